import { NodeRegisteredSchema, type NodeRegistered } from '@linli/contracts';
import { expectEventually, testLogger } from '@linli/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { EventConsumer, OutboxRelay, appendToOutbox, encodeMessage } from '../src/index.js';
import { messagingFixture, nodeRegistered, type MessagingFixture } from './support.js';

describe('idempotent JetStream consumers with an inbox (real PostgreSQL + JetStream)', () => {
  let f: MessagingFixture;
  const consumers: EventConsumer<typeof NodeRegisteredSchema>[] = [];

  beforeAll(async () => {
    f = await messagingFixture('consumer');
    await f.dataSource.query('CREATE TABLE seen (event_id uuid, name text, delivery int)');
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await f.close();
  });

  function consumer(
    name: string,
    handler: (e: NodeRegistered, ...rest: never[]) => Promise<void> | void,
    extra = {},
  ) {
    const c = new EventConsumer(f.nc, {
      consumer: name,
      schema: NodeRegisteredSchema,
      stream: f.stream,
      dataSource: f.dataSource,
      logger: testLogger(),
      subjectPrefix: f.prefix,
      backoffMs: [20],
      maxDeliver: 3,
      handler: async (event, manager, meta) => {
        await handler(event);
        await manager.query('INSERT INTO seen (event_id, name, delivery) VALUES ($1, $2, $3)', [
          meta.eventId,
          `${name}:${event.name}`,
          meta.deliveryCount,
        ]);
      },
      ...extra,
    });
    consumers.push(c);
    return c;
  }

  async function publishRaw(event: NodeRegistered, eventId: string) {
    const h = headers();
    // No Nats-Msg-Id: JetStream's dedup would absorb the copy. This models a redelivery or a replay
    // that reaches the consumer after the dedup window.
    h.set('ce-id', eventId);
    h.set('ce-type', NodeRegisteredSchema.typeName);
    return jetstream(f.nc).publish(
      `${f.prefix}evt.org.v1.node_registered`,
      encodeMessage(NodeRegisteredSchema, event),
      {
        headers: h,
      },
    );
  }

  const seen = async (name: string) =>
    (await f.dataSource.query('SELECT event_id, delivery FROM seen WHERE name = $1', [name])) as {
      event_id: string;
      delivery: number;
    }[];

  it('a consumer given the same event twice applies it once and acks both', async () => {
    const c = consumer('dup', () => undefined);
    await c.start();
    const event = nodeRegistered('重复社区');
    const eventId = '0191a000-0000-7000-8000-0000000000aa';
    await publishRaw(event, eventId);
    await publishRaw(event, eventId);
    await expectEventually(async () => {
      const info = await (await jetstreamManager(f.nc)).consumers.info(f.stream, c.durable);
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_pending).toBe(0);
      expect(info.delivered.stream_seq).toBeGreaterThanOrEqual(2);
    });
    expect(await seen('dup:重复社区')).toHaveLength(1);
    const inbox = await f.dataSource.query('SELECT * FROM inbox WHERE consumer = $1', [c.durable]);
    expect(inbox).toHaveLength(1);
  });

  it('end to end: outbox → relay → JetStream → consumer applies it once', async () => {
    const c = consumer('flow', () => undefined);
    await c.start();
    const relay = new OutboxRelay(f.dataSource, f.nc, {
      service: 'test',
      logger: testLogger(),
      subjectPrefix: f.prefix,
    });
    const eventId = await f.dataSource.transaction((m) =>
      appendToOutbox(m, NodeRegisteredSchema, nodeRegistered('流转社区')),
    );
    await relay.drainOnce();
    await f.dataSource.query('UPDATE outbox SET published_at = NULL WHERE id = $1', [eventId]);
    await relay.drainOnce();
    await expectEventually(async () =>
      expect(await seen('flow:流转社区')).toEqual([{ event_id: eventId, delivery: 1 }]),
    );
  });

  it('a failing handler is redelivered with backoff, never acked, and applied once when it recovers', async () => {
    let failures = 2;
    const c = consumer('flaky', (e) => {
      if (e.name === '恢复社区' && failures-- > 0) throw new Error('projection database briefly unavailable');
    });
    await c.start();
    await publishRaw(nodeRegistered('恢复社区'), '0191a000-0000-7000-8000-0000000000bb');
    await expectEventually(async () =>
      expect(await seen('flaky:恢复社区')).toEqual([
        { event_id: '0191a000-0000-7000-8000-0000000000bb', delivery: 3 },
      ]),
    );
    // The failed attempts left no trace: the inbox row and the effect share the transaction.
    const inbox = await f.dataSource.query('SELECT * FROM inbox WHERE consumer = $1 AND event_id = $2', [
      c.durable,
      '0191a000-0000-7000-8000-0000000000bb',
    ]);
    expect(inbox).toHaveLength(1);
  });

  it('a handler that keeps failing ends in the dead-letter stream with the reason, after bounded redelivery', async () => {
    // Durable consumers start at the beginning of the stream: only this test's event is broken.
    const c = consumer('broken', (e) => {
      if (e.name === '坏社区') throw new Error('constraint violated by this event');
    });
    await c.start();
    const eventId = '0191a000-0000-7000-8000-0000000000cc';
    await publishRaw(nodeRegistered('坏社区'), eventId);
    const jsm = await jetstreamManager(f.nc);
    const dead = await expectEventually(
      async () => {
        const m = await jsm.streams.getMessage(f.deadLetters, {
          last_by_subj: `${f.prefix}dlq.${c.durable}`,
        });
        expect(m).toBeTruthy();
        return m!;
      },
      { timeoutMs: 15_000 },
    );
    expect(dead.header.get('linli-dead-letter-reason')).toContain('failed 3 deliveries: constraint violated');
    expect(dead.header.get('ce-id')).toBe(eventId);
    expect(await seen('broken:坏社区')).toHaveLength(0);
    await expectEventually(async () => {
      const info = await jsm.consumers.info(f.stream, c.durable);
      expect(info.num_ack_pending).toBe(0);
    });
  });

  it('a message that cannot be decoded is dead-lettered at once as poison', async () => {
    const c = consumer('poison', () => undefined);
    await c.start();
    const h = headers();
    h.set('Nats-Msg-Id', '0191a000-0000-7000-8000-0000000000dd');
    await jetstream(f.nc).publish(
      `${f.prefix}evt.org.v1.node_registered`,
      new TextEncoder().encode('{"kind": 12.5'),
      {
        headers: h,
      },
    );
    const jsm = await jetstreamManager(f.nc);
    const dead = await expectEventually(async () => {
      const m = await jsm.streams.getMessage(f.deadLetters, { last_by_subj: `${f.prefix}dlq.${c.durable}` });
      expect(m).toBeTruthy();
      return m!;
    });
    expect(dead.header.get('linli-dead-letter-reason')).toMatch(
      /^poison: cannot decode linli\.org\.v1\.NodeRegistered/,
    );
  });
  it('a backlog is applied in batches: every event once, a duplicate inside a batch once, a failure only redelivers its own event', async () => {
    // Last in this file: every consumer started after it would replay these 300 events first.
    // Published before the consumer starts, so it finds a backlog and takes several messages per transaction.
    const ids = Array.from(
      { length: 300 },
      (_, i) => `0191a000-0000-7000-8000-1${String(i).padStart(11, '0')}`,
    );
    for (const [i, id] of ids.entries()) await publishRaw(nodeRegistered(`积压社区${i}`), id);
    await publishRaw(nodeRegistered('积压社区7'), ids[7]);
    let once = true;
    const c = consumer('backlog', (e) => {
      if (e.name === '积压社区150' && once) {
        once = false;
        throw new Error('one bad moment');
      }
    });
    await c.start();
    await expectEventually(async () => {
      const [{ n }] = (await f.dataSource.query(
        `SELECT count(*)::int AS n FROM seen WHERE name LIKE 'backlog:积压社区%'`,
      )) as Array<{ n: number }>;
      expect(n).toBe(300);
    });
    const [{ n }] = (await f.dataSource.query(
      `SELECT count(DISTINCT event_id)::int AS n FROM seen WHERE name LIKE 'backlog:积压社区%'`,
    )) as Array<{ n: number }>;
    expect(n).toBe(300);
    // The failing event was applied on its second delivery; its neighbours on their first.
    expect(await seen('backlog:积压社区150')).toEqual([{ event_id: ids[150], delivery: 2 }]);
    expect(await seen('backlog:积压社区151')).toEqual([{ event_id: ids[151], delivery: 1 }]);
  });
});
