import { z } from 'zod';

export { z };

/** Settings every process shares. */
export const commonEnv = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
};

/**
 * Subject and stream isolation on a shared nats-server (tests, side-by-side stacks); empty in production.
 * NATS_SUBJECT_PREFIX is prepended to every subject (`t1a2b.`), NATS_STREAM_SUFFIX appended to streams (`_1A2B`).
 */
export const isolationEnv = {
  NATS_SUBJECT_PREFIX: z
    .string()
    .regex(/^([a-z0-9_-]+\.)?$/)
    .default(''),
  NATS_STREAM_SUFFIX: z
    .string()
    .regex(/^(_[A-Z0-9]+)?$/)
    .default(''),
};

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once against a schema and returns a frozen, typed object.
 * A missing or malformed value throws ConfigError naming every offending variable (bad config crashes at boot).
 */
export function loadConfig<T extends z.ZodRawShape>(
  shape: T,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.infer<z.ZodObject<T>>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return Object.freeze(result.data) as Readonly<z.infer<z.ZodObject<T>>>;
}

/** A TCP port number from an environment string. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A positive integer (milliseconds, counts) from an environment string. */
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A postgres:// URL. */
export const postgresUrl = () => z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL');
