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
    this.loop = (async () => {
      for await (const msg of messages) {
        await this.process(msg);
      }
    })();
  }

  /** Stops fetching, lets the message in hand finish, and returns. */
  async stop(): Promise<void> {
    if (!this.messages) return;
    await this.messages.close();
    await this.loop;
    this.messages = undefined;
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
