import type { Logger } from '@linli/observability';
import type { DataSource } from 'typeorm';
import { runRetention } from './retention.js';

/**
 * Runs the PI-5 retention job inside the org service: a first pass a minute after start (a service that was
 * down catches up), then every `intervalMs`. Replicas may overlap safely (rows are claimed with SKIP LOCKED).
 */
export class RetentionSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly firstRunMs = 60_000,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) {
      this.logger.warn('PI retention job disabled (PI_RETENTION_INTERVAL_MINUTES=0)');
      return;
    }
    this.schedule(this.firstRunMs);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.running = runRetention(this.dataSource, { logger: this.logger, signal: this.stopping.signal })
        .catch((e) =>
          this.logger.error({ err: e }, 'PI retention run failed; it runs again at the next interval'),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopping.signal.aborted) this.schedule(this.intervalMs);
        });
    }, delay);
    this.timer.unref();
  }
}
