import { createLogger } from '@linli/observability';
import { commonEnv, loadConfig, postgresUrl } from '@linli/config';
import { governanceDataSource } from './data-source.js';

/** Runs pending migrations once (a deploy Job or `npm start`), never from the service replicas. */
// Migrations need only the database: no service secrets here.
const config = loadConfig({ LOG_LEVEL: commonEnv.LOG_LEVEL, DATABASE_URL: postgresUrl() });
const logger = createLogger('governance-migrate', config.LOG_LEVEL);
const dataSource = governanceDataSource(config.DATABASE_URL, 1);
await dataSource.initialize();
try {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  logger.info(
    { applied: applied.map((m) => m.name) },
    applied.length ? 'migrations applied' : 'schema is current',
  );
} finally {
  await dataSource.destroy();
}
