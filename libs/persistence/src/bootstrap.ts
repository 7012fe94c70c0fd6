import pg from 'pg';

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe identifier: ${name}`);
  return `"${name}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export interface ServiceDatabase {
  role: string;
  password: string;
  database: string;
}

/** Reads the role, password and database name from a service's DATABASE_URL. */
export function parseServiceDatabase(url: string): ServiceDatabase {
  const u = new URL(url);
  const role = decodeURIComponent(u.username);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!role || !database) throw new Error('a service DATABASE_URL must name a user and a database');
  return { role, password: decodeURIComponent(u.password), database };
}

/**
 * Creates (or updates) one service's login role and its private database, idempotently:
 * the role owns the database and its public schema, and no other role may connect to it.
 */
export async function bootstrapServiceDatabase(
  adminUrl: string,
  serviceUrl: string,
): Promise<ServiceDatabase> {
  const target = parseServiceDatabase(serviceUrl);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const role = quoteIdent(target.role);
    const db = quoteIdent(target.database);
    const password = target.password ? `PASSWORD ${quoteLiteral(target.password)}` : '';
    const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [target.role]);
    await admin.query(
      `${exists.rowCount ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE ${password}`,
    );
    const dbExists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database]);
    if (!dbExists.rowCount) await admin.query(`CREATE DATABASE ${db} OWNER ${role}`);
    await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role}`);
  } finally {
    await admin.end();
  }
  const adminOnDb = new URL(adminUrl);
  adminOnDb.pathname = `/${target.database}`;
  const inDb = new pg.Client({ connectionString: adminOnDb.toString() });
  await inDb.connect();
  try {
    await inDb.query(`ALTER SCHEMA public OWNER TO ${quoteIdent(target.role)}`);
    await inDb.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
  } finally {
    await inDb.end();
  }
  return target;
}

/** Drops a service database and its role (tests and local resets only). */
export async function dropServiceDatabase(adminUrl: string, serviceUrl: string): Promise<void> {
  const target = parseServiceDatabase(serviceUrl);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(target.database)} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(target.role)}`);
  } finally {
    await admin.end();
  }
}
