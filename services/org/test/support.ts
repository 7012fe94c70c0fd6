import { create } from '@bufbuild/protobuf';
import { PrincipalSchema, type Principal } from '@linli/contracts';
import { RpcClient } from '@linli/messaging';
import { PiiCipher } from '@linli/privacy';
import { newId } from '@linli/persistence';
import { createTestDatabase, natsUrl, testLogger, uniqueSuffix, type TestDatabase } from '@linli/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { orgConfig } from '../src/config.js';
import { orgDataSource } from '../src/database/data-source.js';
import { importDivisions } from '../src/divisions/divisions.import.js';
import { startOrgApp, type OrgApp } from '../src/org.app.js';

export interface OrgFixture {
  db: TestDatabase;
  org: OrgApp;
  nc: NatsConnection;
  client: RpcClient;
  prefix: string;
  streamSuffix: string;
  nodeIdByCode(code: string): Promise<string>;
  grant(subject: string, role: string, code: string): Promise<void>;
  close(): Promise<void>;
}

/** A migrated org database with Chengdu imported, and the org service running in a private subject space. */
export async function orgFixture(name: string): Promise<OrgFixture> {
  const db = await createTestDatabase(name);
  const ds = orgDataSource(db.url, 2);
  await ds.initialize();
  await ds.runMigrations();
  await importDivisions(ds, { scope: '5101', logger: testLogger() });
  await ds.destroy();
  const suffix = uniqueSuffix().toUpperCase();
  const prefix = `t${suffix.toLowerCase()}.`;
  const streamSuffix = `_${suffix}`;
  const config = orgConfig({
    DATABASE_URL: db.url,
    NATS_URL: natsUrl,
    NATS_SUBJECT_PREFIX: prefix,
    NATS_STREAM_SUFFIX: streamSuffix,
    LOG_LEVEL: 'silent',
    PII_ENCRYPTION_KEY: PiiCipher.generateKey(),
    // Tests run the PI-5 retention job themselves.
    PI_RETENTION_INTERVAL_MINUTES: '0',
  });
  const org = await startOrgApp(config, { ops: false, logger: testLogger('org') });
  const nc = await connect({ servers: natsUrl });
  const client = new RpcClient(nc, { subjectPrefix: prefix, timeoutMs: 5000 });
  const query = (sql: string, params: unknown[]) => org.runtime.dataSource.query(sql, params);
  return {
    db,
    org,
    nc,
    client,
    prefix,
    streamSuffix,
    async nodeIdByCode(code) {
      const [row] = await query('SELECT id FROM nodes WHERE code = $1', [code]);
      return row.id;
    },
    async grant(subject, role, code) {
      await query(
        `INSERT INTO role_assignments (id, subject, role, node_id, granted_at)
         SELECT $1, $2, $3, id, now() FROM nodes WHERE code = $4`,
        [newId(), subject, role, code],
      );
    },
    async close() {
      await org.stop();
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(`EVT_ORG${streamSuffix}`).catch(() => undefined);
      await jsm.streams.delete(`DEAD_LETTERS${streamSuffix}`).catch(() => undefined);
      await nc.close();
      await db.drop();
    },
  };
}

export function principal(subject: string, username = subject): Principal {
  return create(PrincipalSchema, { subject, username, roles: ['operator'] });
}
