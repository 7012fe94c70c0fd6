import { commonEnv, isolationEnv, loadConfig, port, postgresUrl, z } from '@linli/config';

/** The only place the org service reads its environment. */
export function orgConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(
    {
      ...commonEnv,
      DATABASE_URL: postgresUrl(),
      HTTP_PORT: port(3101),
      /** Base64 of 32 random bytes; encrypts ID and phone numbers at rest (PI-1). A Secret, never in git. */
      PII_ENCRYPTION_KEY: z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded'),
      /** PI-5: how often the retention job runs inside the service; 0 turns it off (tests). */
      PI_RETENTION_INTERVAL_MINUTES: z.coerce
        .number()
        .int()
        .min(0)
        .default(24 * 60),
      ...isolationEnv,
    },
    env,
  );
}

export type OrgConfig = ReturnType<typeof orgConfig>;
