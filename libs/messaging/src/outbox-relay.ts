import { platformMetrics, type Logger } from '@linli/observability';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import { Headers, newHeaders } from './headers.js';

interface OutboxRow {
  id: string;
  subject: string;
  headers: Record<string, string>;
  payload: unknown;
}

export interface OutboxRelayOptions {
  service: string;
  logger: Logger;
  /** Rows claimed per transaction. */
  batchSize?: number;
  /** How often the relay sweeps when nobody kicks it. */
  pollIntervalMs?: number;
  /** Published rows older than this are pruned. */
  retentionHours?: number;
  /** Maps a row's subject before publishing (tests give each suite its own subject space). */
  subjectPrefix?: string;
}

const encoder = new TextEncoder();

/**
 * Publishes outbox rows to JetStream. Each sweep claims unpublished rows with FOR UPDATE SKIP LOCKED (so
 * replicas never publish the same row concurrently), publishes each with Nats-Msg-Id = event id, and marks
 * them published in the same transaction. A crash between publish and commit leaves the rows unpublished:
 * the next sweep publishes them again and JetStream's duplicate window (plus every consumer's inbox) absorbs
 * the repeat. Every unpublished row is swept, not only the current request's.
 */
export class OutboxRelay {
  private readonly js: JetStreamClient;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private lastPrune = 0;

  constructor(
    private readonly dataSource: DataSource,
    nc: NatsConnection,
    private readonly options: OutboxRelayOptions,
  ) {
    this.js = jetstream(nc);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Asks for a sweep now (after a commit that wrote outbox rows). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Runs sweeps until the outbox is empty; returns how many rows were published. */
  async drainOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.sweep();
      total += n;
      if (n < (this.options.batchSize ?? 200)) return total;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.loop().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.again ? 0 : (this.options.pollIntervalMs ?? 500));
        this.again = false;
      });
    }, delay);
  }

  private async loop(): Promise<void> {
    try {
      await this.drainOnce();
      await this.prune();
      await this.reportBacklog();
    } catch (e) {
      this.options.logger.warn({ err: e }, 'outbox sweep failed; will retry');
    }
  }

  /** One transaction: claim a batch, publish it, mark it. */
  async sweep(): Promise<number> {
    const batchSize = this.options.batchSize ?? 200;
    return this.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, subject, headers, payload FROM outbox
          WHERE published_at IS NULL
          ORDER BY created_at, id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      const acks = await Promise.allSettled(rows.map((row) => this.publish(row)));
      const published = rows.filter((_, i) => acks[i].status === 'fulfilled').map((r) => r.id);
      const failed = rows.filter((_, i) => acks[i].status === 'rejected').map((r) => r.id);
      if (published.length) {
        await manager.query(
          'UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1)',
          [published],
        );
      }
      if (failed.length) {
        await manager.query('UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY($1)', [failed]);
        const first = acks.find((a) => a.status === 'rejected') as PromiseRejectedResult;
        this.options.logger.warn(
          { failed: failed.length, err: first.reason },
          'outbox rows not published; will retry',
        );
      }
      platformMetrics.outboxPublished.labels(this.options.service).inc(published.length);
      return published.length;
    });
  }

  private async publish(row: OutboxRow) {
    const h = newHeaders();
    for (const [k, v] of Object.entries(row.headers)) h.set(k, v);
    h.set(Headers.msgId, row.id);
    const subject = `${this.options.subjectPrefix ?? ''}${row.subject}`;
    return this.js.publish(subject, encoder.encode(JSON.stringify(row.payload)), {
      msgID: row.id,
      headers: h,
    });
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    await this.dataSource.query(
      `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(hours => $1)`,
      [this.options.retentionHours ?? 168],
    );
  }

  private async reportBacklog(): Promise<void> {
    const [{ n }] = await this.dataSource.query(
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
    );
    platformMetrics.outboxPending.labels(this.options.service).set(n);
  }
}
