import { create } from '@bufbuild/protobuf';
import { NodeKind, NodeRegisteredSchema, type NodeRegistered } from '@linli/contracts';
import { createDataSource, newId } from '@linli/persistence';
import { createTestDatabase, natsUrl, uniqueSuffix, type TestDatabase } from '@linli/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import {
  InboxEntity,
  OUTBOX_INBOX_DDL_V1,
  OutboxEntity,
  ensureDeadLetterStream,
  ensureEventStream,
} from '../src/index.js';

export interface MessagingFixture {
  db: TestDatabase;
  dataSource: DataSource;
  nc: NatsConnection;
  suffix: string;
  prefix: string;
  stream: string;
  deadLetters: string;
  close(): Promise<void>;
}

/** A private database (outbox, inbox and a `notes` table) and a private JetStream subject space. */
export async function messagingFixture(name: string): Promise<MessagingFixture> {
  const db = await createTestDatabase(name);
  const dataSource = createDataSource({
    url: db.url,
    entities: [OutboxEntity, InboxEntity],
    migrations: [],
    applicationName: `test-${name}`,
  });
  await dataSource.initialize();
  await dataSource.query(OUTBOX_INBOX_DDL_V1);
  await dataSource.query('CREATE TABLE notes (id uuid PRIMARY KEY, body text NOT NULL)');
  const nc = await connect({ servers: natsUrl });
  const suffix = uniqueSuffix().toUpperCase();
  const prefix = `t${suffix}.`;
  const stream = await ensureEventStream(nc, 'org', {
    suffix: `_${suffix}`,
    subjects: [`${prefix}evt.org.>`],
  });
  const deadLetters = await ensureDeadLetterStream(nc, {
    suffix: `_${suffix}`,
    subjects: [`${prefix}dlq.>`],
  });
  return {
    db,
    dataSource,
    nc,
    suffix,
    prefix,
    stream,
    deadLetters,
    async close() {
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(stream).catch(() => undefined);
      await jsm.streams.delete(deadLetters).catch(() => undefined);
      await nc.close();
      await dataSource.destroy();
      await db.drop();
    },
  };
}

export function nodeRegistered(name = '关口场社区'): NodeRegistered {
  return create(NodeRegisteredSchema, {
    nodeId: newId(),
    kind: NodeKind.COMMUNITY,
    name,
    parentId: newId(),
    aggregateVersion: 1n,
    source: 'operator',
  });
}
