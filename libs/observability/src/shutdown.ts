import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown> | unknown;
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: runs the steps in order (stop taking work, drain, close),
 * each with a time limit, then exits. A second signal exits at once.
 */
export function installShutdown(logger: Logger, steps: () => ShutdownStep[], stepTimeoutMs = 10_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      let failed = false;
      for (const step of steps()) {
        try {
          await Promise.race([
            Promise.resolve(step.run()),
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error('timed out')), stepTimeoutMs).unref(),
            ),
          ]);
          logger.info({ step: step.name }, 'shutdown step done');
        } catch (e) {
          failed = true;
          logger.error({ step: step.name, err: e }, 'shutdown step failed');
        }
      }
      logger.info('stopped');
      logger.flush?.();
      process.exit(failed ? 1 : 0);
    })();
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
