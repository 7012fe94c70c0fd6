import { trace } from '@opentelemetry/api';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths that may carry personal data or secrets. Their values never reach a log line (PI-1, PI-5):
 * logs are kept ≥ 6 months and are read by operators who must not see residents' data.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.headers["set-cookie"]',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.idNumber',
  '*.id_number',
  '*.mobile',
  '*.phone',
  '*.address',
  '*.birthDate',
  '*.birth_date',
];

/** Structured JSON logger with the active trace and span ids on every line. */
export function createLogger(service: string, level: LoggerOptions['level'] = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = trace.getActiveSpan()?.spanContext();
      return ctx && trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
    },
  });
}

/** Adapts pino to NestJS's LoggerService shape (structurally; no Nest import here). */
export function nestLogger(logger: Logger) {
  const text = (m: unknown) => (typeof m === 'string' ? m : JSON.stringify(m));
  return {
    log: (message: unknown, context?: string) => logger.info({ context }, text(message)),
    error: (message: unknown, trace?: string, context?: string) =>
      logger.error({ context, trace }, text(message)),
    warn: (message: unknown, context?: string) => logger.warn({ context }, text(message)),
    debug: (message: unknown, context?: string) => logger.debug({ context }, text(message)),
    verbose: (message: unknown, context?: string) => logger.trace({ context }, text(message)),
    fatal: (message: unknown, context?: string) => logger.fatal({ context }, text(message)),
  };
}
