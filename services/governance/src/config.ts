import { commonEnv, loadConfig, port, postgresUrl, z } from '@linli/config';

/** The only place the governance service reads its environment. */
export function governanceConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(
    {
      ...commonEnv,
      DATABASE_URL: postgresUrl(),
      HTTP_PORT: port(3102),
      NATS_SUBJECT_PREFIX: z
        .string()
        .regex(/^([a-z0-9_-]+\.)?$/)
        .default(''),
      NATS_STREAM_SUFFIX: z
        .string()
        .regex(/^(_[A-Z0-9]+)?$/)
        .default(''),
    },
    env,
  );
}

export type GovernanceConfig = ReturnType<typeof governanceConfig>;
