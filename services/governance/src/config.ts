import { commonEnv, isolationEnv, loadConfig, port, postgresUrl } from '@linli/config';

/** The only place the governance service reads its environment. */
export function governanceConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(
    {
      ...commonEnv,
      DATABASE_URL: postgresUrl(),
      HTTP_PORT: port(3102),
      ...isolationEnv,
    },
    env,
  );
}

export type GovernanceConfig = ReturnType<typeof governanceConfig>;
