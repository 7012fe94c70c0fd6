import { createLogger } from '@linli/observability';
import { runMigrations } from '@linli/persistence';
import { governanceDataSource } from './data-source.js';

/** Runs pending migrations once (a deploy Job or `npm start`), never from the service replicas. */
const logger = createLogger('governance-migrate', (process.env.LOG_LEVEL as 'info' | undefined) ?? 'info');
await runMigrations(
  'governance',
  (url) => governanceDataSource(url, 1),
  (fields, message) => logger.info(fields, message),
);
