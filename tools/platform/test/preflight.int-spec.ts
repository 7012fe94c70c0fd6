import { preflight } from '../src/preflight.js';

describe('npm start preflight', () => {
  it('says what is missing and how to start it when PostgreSQL and NATS are unreachable', async () => {
    const problems = await preflight({
      POSTGRES_ADMIN_URL: 'postgres://postgres:secret@127.0.0.1:1/postgres',
      NATS_URL: 'nats://127.0.0.1:1',
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/PostgreSQL is not reachable/);
    expect(problems[0]).toContain('pg_ctlcluster');
    expect(problems[0]).not.toContain('secret');
    expect(problems[1]).toMatch(/NATS is not reachable/);
    expect(problems[1]).toContain('nats-server');
  });

  it('finds nothing missing on this machine (PostgreSQL and NATS are up for the tests)', async () => {
    expect(
      await preflight({
        POSTGRES_ADMIN_URL: process.env.POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
        NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      }),
    ).toEqual([]);
  });
});
