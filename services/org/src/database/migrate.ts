import { createLogger } from '@linli/observability';
import { runMigrations } from '@linli/persistence';
import { orgDataSource } from './data-source.js';

/** Runs pending migrations once (a deploy Job or `npm start`), never from the service replicas. */
const logger = createLogger('org-migrate', (process.env.LOG_LEVEL as 'info' | undefined) ?? 'info');
await runMigrations(
  'org',
  (url) => orgDataSource(url, 1),
  (fields, message) => logger.info(fields, message),
);
