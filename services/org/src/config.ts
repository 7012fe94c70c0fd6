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
      ...isolationEnv,
    },
    env,
  );
}

export type OrgConfig = ReturnType<typeof orgConfig>;
