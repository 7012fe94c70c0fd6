import { commonEnv, loadConfig, port, postgresUrl, z } from '@linli/config';

/** The only place the org service reads its environment. */
export function orgConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(
    {
      ...commonEnv,
      DATABASE_URL: postgresUrl(),
      HTTP_PORT: port(3101),
      /** Isolates subjects on a shared nats-server (tests, side-by-side stacks); empty in production. */
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

export type OrgConfig = ReturnType<typeof orgConfig>;
