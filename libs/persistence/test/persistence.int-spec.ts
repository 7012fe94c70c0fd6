import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@linli/testing';
import { createDataSource, withTransaction } from '../src/index.js';
import type { DataSource } from 'typeorm';

describe('persistence (real PostgreSQL)', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    a = await createTestDatabase('persist_a');
    b = await createTestDatabase('persist_b');
    ds = createDataSource({ url: a.url, entities: [], migrations: [], applicationName: 'test' });
    await ds.initialize();
    await ds.query('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL CHECK (n >= 0))');
    await ds.query('INSERT INTO counters VALUES (1, 0)');
  });
  afterAll(async () => {
    await ds.destroy();
    await a.drop();
    await b.drop();
  });

  it('one database and login role per service: a role cannot connect to another service database', async () => {
    const bUrl = new URL(b.url);
    const aUser = new URL(a.url);
    bUrl.username = aUser.username;
    bUrl.password = aUser.password;
    const client = new pg.Client({ connectionString: bUrl.toString() });
    await expect(client.connect()).rejects.toThrow(/permission denied|not permitted/);
    await client.end().catch(() => undefined);
  });

  it('the service role is not a superuser and cannot create roles or databases', async () => {
    const [role] = await ds.query(
      'SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user',
    );
    expect(role).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
  });

  it('retries serialization failures (40001) until concurrent SERIALIZABLE increments all commit', async () => {
    let attempts = 0;
    const increment = () =>
      withTransaction(
        ds,
        async (m) => {
          attempts++;
          const [{ n }] = await m.query('SELECT n FROM counters WHERE id = 1');
          await new Promise((r) => setTimeout(r, 5));
          await m.query('UPDATE counters SET n = $1 WHERE id = 1', [n + 1]);
        },
        { isolation: 'SERIALIZABLE', retries: 20 },
      );
    await Promise.all(Array.from({ length: 8 }, increment));
    const [{ n }] = await ds.query('SELECT n FROM counters WHERE id = 1');
    expect(n).toBe(8);
    expect(attempts).toBeGreaterThan(8);
  });

  it('does not retry other errors (a CHECK violation aborts at once)', async () => {
    let attempts = 0;
    await expect(
      withTransaction(ds, async (m) => {
        attempts++;
        await m.query('UPDATE counters SET n = -1 WHERE id = 1');
      }),
    ).rejects.toThrow(/check constraint/);
    expect(attempts).toBe(1);
  });
});
