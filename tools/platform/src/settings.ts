import { isolationEnv, loadConfig, port, postgresUrl, z } from '@linli/config';

/**
 * Settings of the local platform (`npm start`, the end-to-end tests). The database passwords below are
 * development-only values for this machine's loopback PostgreSQL; production gets them from Secrets.
 */
export function platformSettings(env: Record<string, string | undefined> = process.env) {
  return loadConfig(
    {
      POSTGRES_ADMIN_URL: postgresUrl().default('postgres://postgres@127.0.0.1:5432/postgres'),
      ORG_DATABASE_URL: postgresUrl().default('postgres://linli_org:linli_org_dev@127.0.0.1:5432/linli_org'),
      GOVERNANCE_DATABASE_URL: postgresUrl().default(
        'postgres://linli_governance:linli_governance_dev@127.0.0.1:5432/linli_governance',
      ),
      NATS_URL: z.string().default('nats://127.0.0.1:4222'),
      ...isolationEnv,
      DEV_IDP_PORT: port(8080),
      GATEWAY_PORT: port(3000),
      ORG_HTTP_PORT: port(3101),
      GOVERNANCE_HTTP_PORT: port(3102),
      /** The gateway's time-out for a call to a service (→ 504). */
      RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Org's key for personal data at rest; unset = a development key kept in .linli/dev-pii.key. */
      PII_ENCRYPTION_KEY: z.string().optional(),
      /** Skip the demo seed (divisions and demo role assignments). */
      LINLI_SKIP_SEED: z.stringbool().default(false),
    },
    env,
  );
}

export type PlatformSettings = ReturnType<typeof platformSettings>;
