import { loadConfig, postgresUrl } from '@linli/config';
import { createLogger } from '@linli/observability';
import { bootstrapServiceDatabase } from '@linli/persistence';

/**
 * One-off job (docker-compose `bootstrap`, `npm start`): creates each service's login role and private
 * database, idempotently. Needs a superuser URL; the services themselves never get one.
 */
const env = loadConfig({
  POSTGRES_ADMIN_URL: postgresUrl(),
  ORG_DATABASE_URL: postgresUrl(),
  GOVERNANCE_DATABASE_URL: postgresUrl(),
});
const logger = createLogger('bootstrap');
for (const url of [env.ORG_DATABASE_URL, env.GOVERNANCE_DATABASE_URL]) {
  const db = await bootstrapServiceDatabase(env.POSTGRES_ADMIN_URL, url);
  logger.info({ role: db.role, database: db.database }, 'service database ready');
}
