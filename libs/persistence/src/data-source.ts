import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { SnakeNamingStrategy } from './naming.strategy.js';

export interface DataSourceOptions {
  /** postgres:// URL with the service's own login role and database. */
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** application_name shown in pg_stat_activity. */
  applicationName: string;
  poolSize?: number;
}

/**
 * A service's TypeORM data source. Schemas change only through reviewed migrations: `synchronize` is
 * never on and migrations never run implicitly at start-up (they run once per deploy, see migrate.ts).
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    // gen_random_uuid() is built in (PG ≥ 13); no superuser-only CREATE EXTENSION at start-up.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 },
  });
}

/**
 * A service's migrate command (a deploy Job or an `npm start` step; never the replicas): reads DATABASE_URL,
 * runs pending migrations each in its own transaction, and logs what it applied.
 */
export async function runMigrations(
  name: string,
  makeDataSource: (url: string) => DataSource,
  log: (fields: Record<string, unknown>, message: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const url = env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url))
    throw new Error(`${name}: DATABASE_URL must be a postgres:// URL`);
  const dataSource = makeDataSource(url);
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    log({ applied: applied.map((m) => m.name) }, applied.length ? 'migrations applied' : 'schema is current');
  } finally {
    await dataSource.destroy();
  }
}
