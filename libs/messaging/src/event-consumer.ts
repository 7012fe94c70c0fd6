import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { eventSubject } from '@linli/contracts';
import { SpanKind, extractTraceContext, inSpan, platformMetrics, type Logger } from '@linli/observability';
import { withTransaction } from '@linli/persistence';
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource, EntityManager } from 'typeorm';
import { decodeMessage } from './codec.js';
import { Headers, headerCarrier, newHeaders } from './headers.js';
import { deadLetterSubject, ensureDurableConsumer } from './streams.js';

/** At most this many already-fetched messages are applied in one transaction. */
const BATCH = 64;
export interface EventMeta {
  eventId: string;
  subject: string;
  /** CloudEvents ce-time: when the producer recorded the event. */
  time?: Date;
  actorSubject?: string;
  deliveryCount: number;
}

export type EventHandler<D extends DescMessage> = (
  event: MessageShape<D>,
  manager: EntityManager,
  meta: EventMeta,
) => Promise<void>;

export interface EventConsumerOptions<D extends DescMessage> {
  /** The consuming service, e.g. `governance`; with the event it names the durable consumer. */
  consumer: string;
  schema: D;
  handler: EventHandler<D>;
  stream: string;
  dataSource: DataSource;
  logger: Logger;
  /** Deliveries before the event is dead-lettered. */
  maxDeliver?: number;
  /** Delay before the n-th redelivery (the last value repeats). */
  backoffMs?: number[];
  ackWaitMs?: number;
  /** Prefix of the subject space (tests). */
  subjectPrefix?: string;
}

export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}

/**
 * A durable JetStream consumer whose handler runs exactly once per event: it inserts (consumer, event id)
 * into the inbox in the same transaction as the effect, acks only after that transaction committed, naks
 * with backoff when the handler fails, and after `maxDeliver` attempts (or at once for a message that
 * cannot be decoded) publishes the message to the dead-letter stream with the reason and terminates it.
 */
export class EventConsumer<D extends DescMessage> {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private worker: Promise<void> | undefined;
  /** Fetched messages not yet applied, in arrival order. */
  private queue: JsMsg[] = [];
  private wake: (() => void) | undefined;
  private closing = false;
  readonly durable: string;
  readonly subject: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: EventConsumerOptions<D>,
  ) {
    const base = eventSubject(options.schema);
    this.subject = `${options.subjectPrefix ?? ''}${base}`;
    this.durable = `${options.consumer}_${base.split('.').pop()}`;
  }

  private get maxDeliver(): number {
    return this.options.maxDeliver ?? 8;
  }

  async start(): Promise<void> {
    await ensureDurableConsumer(this.nc, {
      stream: this.options.stream,
      durable: this.durable,
      filterSubject: this.subject,
      maxDeliver: this.maxDeliver + 1,
      ackWaitMs: this.options.ackWaitMs ?? 30_000,
    });
    const consumer = await jetstream(this.nc).consumers.get(this.options.stream, this.durable);
    this.messages = await consumer.consume({ max_messages: 64 });
    const messages = this.messages;
    this.closing = false;
    // The fetch loop only queues; the worker applies what has queued up while it was busy, up to BATCH
    // messages in one transaction (a lone message goes through process()). An idle consumer handles each
    // event at once; during a backlog (an import's events) throughput is bounded by statements, not commits.
    this.loop = (async () => {
      for await (const msg of messages) {
        this.queue.push(msg);
        this.wake?.();
      }
    })();
    this.worker = (async () => {
      for (;;) {
        if (this.closing) return;
        if (this.queue.length === 0) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            if (this.queue.length > 0 || this.closing) resolve();
          });
          this.wake = undefined;
          continue;
        }
        const taken = this.queue.splice(0, BATCH);
        await (taken.length === 1 ? this.process(taken[0]) : this.processBatch(taken));
      }
    })();
  }

  /**
   * Stops fetching, lets the batch in hand finish, hands back what was fetched but not applied (nak: JetStream
   * redelivers it at once, here or to another replica), and returns.
   */
  async stop(): Promise<void> {
    if (!this.messages) return;
    await this.messages.close();
    await this.loop;
    this.closing = true;
    this.wake?.();
    await this.worker;
    for (const msg of this.queue.splice(0)) msg.nak();
    this.messages = undefined;
  }

  /**
   * Applies several messages in one transaction: each is recorded in the inbox and handled as in process();
   * all are acked after the commit. If anything in the batch fails, nothing of it is kept: the message whose
   * handler failed is redelivered with backoff (or dead-lettered) as if it had been alone, and every other
   * message goes through process() on its own. A message seen before, or one that cannot be decoded, sends
   * the whole batch through process().
   */
  async processBatch(msgs: JsMsg[]): Promise<void> {
    const consumer = this.durable;
    const items: Array<{ msg: JsMsg; event: MessageShape<D>; meta: EventMeta }> = [];
    for (const msg of msgs) {
      const eventId = msg.headers?.get(Headers.ceId) || msg.headers?.get(Headers.msgId) || '';
      let event: MessageShape<D>;
      try {
        if (!eventId || msg.info.deliveryCount > 1) throw new Error('handled one by one');
        event = decodeMessage(this.options.schema, msg.data);
      } catch {
        for (const m of msgs) await this.process(m);
        return;
      }
      const ceTime = msg.headers?.get(Headers.ceTime);
      items.push({
        msg,
        event,
        meta: {
          eventId,
          subject: msg.subject,
          time: ceTime ? new Date(ceTime) : undefined,
          actorSubject: msg.headers?.get(Headers.actor) || undefined,
          deliveryCount: msg.info.deliveryCount,
        },
      });
    }
    let applied: boolean[];
    let failed: { index: number; error: Error } | undefined;
    try {
      applied = await inSpan(
        `${this.subject} process batch`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'nats',
            'messaging.consumer.group.name': consumer,
            'messaging.batch.message_count': items.length,
          },
        },
        () =>
          withTransaction(this.options.dataSource, async (manager) => {
            const inserted: Array<{ event_id: string }> = await manager.query(
              `INSERT INTO inbox (consumer, event_id, subject)
               SELECT $1, e, s FROM unnest($2::uuid[], $3::text[]) AS t(e, s)
               ON CONFLICT DO NOTHING RETURNING event_id`,
              [consumer, items.map((i) => i.meta.eventId), items.map((i) => i.msg.subject)],
            );
            const fresh = new Set(inserted.map((r) => r.event_id));
            const done: boolean[] = [];
            for (const [index, item] of items.entries()) {
              // A duplicate inside the batch itself is applied once (the first one took the inbox row).
              const first = fresh.delete(item.meta.eventId);
              if (first) {
                try {
                  await this.options.handler(item.event, manager, item.meta);
                } catch (error) {
                  failed = { index, error: error as Error };
                  throw error;
                }
              }
              done.push(first);
            }
            return done;
          }),
      );
    } catch {
      // Nothing of the batch was kept. The message whose handler failed has had its attempt for this
      // delivery (it is redelivered with backoff, or dead-lettered); every other one is applied on its own.
      for (const [index, item] of items.entries()) {
        if (failed?.index === index) await this.fail(item.msg, failed.error, item.meta.eventId);
        else await this.process(item.msg);
      }
      return;
    }
    items.forEach((item, i) => {
      item.msg.ack();
      platformMetrics.consumerProcessed.labels(consumer, applied[i] ? 'applied' : 'duplicate').inc();
    });
  }

  async process(msg: JsMsg): Promise<void> {
    const consumer = this.durable;
    const deliveryCount = msg.info.deliveryCount;
    if (deliveryCount > 1) platformMetrics.consumerRedeliveries.labels(consumer).inc();
    const parent = msg.headers ? extractTraceContext(headerCarrier(msg.headers)) : undefined;
    const eventId = msg.headers?.get(Headers.ceId) || msg.headers?.get(Headers.msgId) || '';
    await inSpan(
      `${msg.subject} process`,
      {
        kind: SpanKind.CONSUMER,
        parent,
        attributes: {
          'messaging.system': 'nats',
          'messaging.consumer.group.name': consumer,
          'messaging.message.id': eventId,
        },
      },
      async () => {
        try {
          if (!eventId) throw new PoisonMessageError('message has no ce-id/Nats-Msg-Id header');
          let event: MessageShape<D>;
          try {
            event = decodeMessage(this.options.schema, msg.data);
          } catch (e) {
            throw new PoisonMessageError(
              `cannot decode ${this.options.schema.typeName}: ${(e as Error).message}`,
            );
          }
          const ceTime = msg.headers?.get(Headers.ceTime);
          const meta: EventMeta = {
            eventId,
            subject: msg.subject,
            time: ceTime ? new Date(ceTime) : undefined,
            actorSubject: msg.headers?.get(Headers.actor) || undefined,
            deliveryCount,
          };
          const applied = await withTransaction(this.options.dataSource, async (manager) => {
            const inserted: unknown[] = await manager.query(
              `INSERT INTO inbox (consumer, event_id, subject) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING RETURNING event_id`,
              [consumer, eventId, msg.subject],
            );
            if (inserted.length === 0) return false;
            await this.options.handler(event, manager, meta);
            return true;
          });
          msg.ack();
          platformMetrics.consumerProcessed.labels(consumer, applied ? 'applied' : 'duplicate').inc();
        } catch (e) {
          await this.fail(msg, e as Error, eventId);
        }
      },
    ).catch(() => undefined);
  }

  private async fail(msg: JsMsg, error: Error, eventId: string): Promise<void> {
    const consumer = this.durable;
    const poison = error instanceof PoisonMessageError;
    const deliveryCount = msg.info.deliveryCount;
    if (poison || deliveryCount >= this.maxDeliver) {
      const reason = `${poison ? 'poison' : `failed ${deliveryCount} deliveries`}: ${error.message}`.slice(
        0,
        500,
      );
      try {
        const h = newHeaders();
        if (msg.headers) for (const [k, v] of msg.headers) h.set(k, v.join(','));
        h.set(Headers.deadLetterReason, reason);
        h.set(Headers.deadLetterConsumer, consumer);
        await jetstream(this.nc).publish(
          `${this.options.subjectPrefix ?? ''}${deadLetterSubject(consumer)}`,
          msg.data,
          {
            headers: h,
            msgID: eventId ? `${consumer}:${eventId}` : undefined,
          },
        );
        // The reason travels in the dead letter (nats-server < 2.10.4 ignores a +TERM with a reason).
        msg.term();
        platformMetrics.consumerDeadLettered.labels(consumer).inc();
        platformMetrics.consumerProcessed.labels(consumer, 'dead_lettered').inc();
        this.options.logger.error({ consumer, eventId, subject: msg.subject, reason }, 'event dead-lettered');
      } catch (e) {
        // The dead-letter stream is unreachable: leave the message to be redelivered rather than lose it.
        msg.nak(this.delay(deliveryCount));
        this.options.logger.error(
          { consumer, eventId, err: e },
          'dead-lettering failed; message will be redelivered',
        );
      }
      return;
    }
    msg.nak(this.delay(deliveryCount));
    platformMetrics.consumerProcessed.labels(consumer, 'failed').inc();
    this.options.logger.warn(
      { consumer, eventId, deliveryCount, err: error },
      'event handler failed; redelivering',
    );
  }

  private delay(deliveryCount: number): number {
    const backoff = this.options.backoffMs ?? [200, 1000, 5000, 15000, 30000];
    return backoff[Math.min(deliveryCount - 1, backoff.length - 1)];
  }
}
