import { NodeRegisteredSchema } from '@linli/contracts';
import { newId } from '@linli/persistence';
import { testLogger } from '@linli/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { OutboxRelay, appendToOutbox } from '../src/index.js';
import { messagingFixture, nodeRegistered, type MessagingFixture } from './support.js';

describe('transactional outbox and relay (real PostgreSQL + JetStream)', () => {
  let f: MessagingFixture;

  beforeAll(async () => {
    f = await messagingFixture('outbox');
  });
  afterAll(async () => {
    await f.close();
  });

  const relay = () =>
    new OutboxRelay(f.dataSource, f.nc, { service: 'test', logger: testLogger(), subjectPrefix: f.prefix });
  const streamMessages = async () =>
    (await (await jetstreamManager(f.nc)).streams.info(f.stream)).state.messages;

  it('a rolled-back transaction publishes nothing', async () => {
    const before = await streamMessages();
    await expect(
      f.dataSource.transaction(async (manager) => {
        await manager.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [newId(), 'rolled back']);
        await appendToOutbox(manager, NodeRegisteredSchema, nodeRegistered());
        throw new Error('use case failed after writing');
      }),
    ).rejects.toThrow('use case failed');
    expect(await relay().drainOnce()).toBe(0);
    expect(await streamMessages()).toBe(before);
    const [{ n }] = await f.dataSource.query('SELECT count(*)::int AS n FROM outbox');
    expect(n).toBe(0);
  });

  it('a committed transaction publishes exactly once, with CloudEvents headers and Nats-Msg-Id = event id', async () => {
    const before = await streamMessages();
    const eventId = await f.dataSource.transaction((manager) =>
      appendToOutbox(manager, NodeRegisteredSchema, nodeRegistered(), { actorSubject: 'sub-1' }),
    );
    expect(await relay().drainOnce()).toBe(1);
    expect(await relay().drainOnce()).toBe(0);
    expect(await streamMessages()).toBe(before + 1);
    const jsm = await jetstreamManager(f.nc);
    const stored = await jsm.streams.getMessage(f.stream, {
      last_by_subj: `${f.prefix}evt.org.v1.node_registered`,
    });
    expect(stored?.header.get('Nats-Msg-Id')).toBe(eventId);
    expect(stored?.header.get('ce-id')).toBe(eventId);
    expect(stored?.header.get('ce-type')).toBe('linli.org.v1.NodeRegistered');
    expect(stored?.header.get('ce-source')).toBe('linli/org');
    expect(stored?.header.get('x-actor-sub')).toBe('sub-1');
    expect(stored?.json<{ name: string }>().name).toBe('关口场社区');
  });

  it('a relay that dies after publishing and before marking republishes on restart; JetStream dedup absorbs it', async () => {
    const before = await streamMessages();
    const eventId = await f.dataSource.transaction((manager) =>
      appendToOutbox(manager, NodeRegisteredSchema, nodeRegistered('丹景山镇新社区')),
    );
    expect(await relay().drainOnce()).toBe(1);
    // The crash: the publish reached JetStream but the UPDATE … published_at never committed.
    await f.dataSource.query('UPDATE outbox SET published_at = NULL WHERE id = $1', [eventId]);
    const restarted = relay();
    expect(await restarted.drainOnce()).toBe(1);
    expect(await streamMessages()).toBe(before + 1);
    const [row] = await f.dataSource.query('SELECT published_at, attempts FROM outbox WHERE id = $1', [
      eventId,
    ]);
    expect(row.published_at).not.toBeNull();
    expect(row.attempts).toBe(2);
  });

  it('sweeps every unpublished row, in order, when started (rows left behind by a crash)', async () => {
    const before = await streamMessages();
    for (let i = 0; i < 5; i++) {
      await f.dataSource.transaction((manager) =>
        appendToOutbox(manager, NodeRegisteredSchema, nodeRegistered(`社区${i}`)),
      );
    }
    const r = relay();
    r.start();
    try {
      const { expectEventually } = await import('@linli/testing');
      await expectEventually(async () => expect(await streamMessages()).toBe(before + 5));
    } finally {
      await r.stop();
    }
    const [{ n }] = await f.dataSource.query(
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
    );
    expect(n).toBe(0);
  });

  it('two relays never publish the same row twice (FOR UPDATE SKIP LOCKED)', async () => {
    const before = await streamMessages();
    for (let i = 0; i < 50; i++) {
      await f.dataSource.transaction((manager) =>
        appendToOutbox(manager, NodeRegisteredSchema, nodeRegistered(`并发${i}`)),
      );
    }
    const a = relay();
    const b = relay();
    const [na, nb] = await Promise.all([a.drainOnce(), b.drainOnce()]);
    expect(na + nb).toBe(50);
    expect(await streamMessages()).toBe(before + 50);
    // Each row was published by exactly one relay, once (JetStream dedup would hide a double publish).
    const [{ n }] = await f.dataSource.query(
      `SELECT count(*)::int AS n FROM outbox WHERE payload->>'name' LIKE '并发%' AND attempts <> 1`,
    );
    expect(n).toBe(0);
  });
});
