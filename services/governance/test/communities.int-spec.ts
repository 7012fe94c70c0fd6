import { create } from '@bufbuild/protobuf';
import {
  AccessService,
  CommunityService,
  ErrorCode,
  NodeKind,
  NodeRegisteredSchema,
  PrincipalSchema,
  type NodeRegistered,
} from '@linli/contracts';
import { RpcClient, RpcServer, encodeMessage } from '@linli/messaging';
import { newId } from '@linli/persistence';
import {
  createTestDatabase,
  expectEventually,
  natsUrl,
  testLogger,
  uniqueSuffix,
  type TestDatabase,
} from '@linli/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { governanceConfig } from '../src/config.js';
import { governanceDataSource } from '../src/database/data-source.js';
import { startGovernanceApp, type GovernanceApp } from '../src/governance.app.js';

describe('governance: community projection from org events (real PostgreSQL + JetStream)', () => {
  let db: TestDatabase;
  let app: GovernanceApp;
  let nc: NatsConnection;
  let client: RpcClient;
  let access: RpcServer;
  const operator = create(PrincipalSchema, { subject: 'op-city', username: 'op-city', roles: ['operator'] });
  let prefix: string;
  let suffix: string;

  beforeAll(async () => {
    db = await createTestDatabase('gov_communities');
    const ds = governanceDataSource(db.url, 1);
    await ds.initialize();
    await ds.runMigrations();
    await ds.destroy();
    const s = uniqueSuffix().toUpperCase();
    prefix = `t${s.toLowerCase()}.`;
    suffix = `_${s}`;
    app = await startGovernanceApp(
      governanceConfig({
        DATABASE_URL: db.url,
        NATS_URL: natsUrl,
        NATS_SUBJECT_PREFIX: prefix,
        NATS_STREAM_SUFFIX: suffix,
      }),
      { ops: false, logger: testLogger('governance') },
    );
    nc = await connect({ servers: natsUrl });
    client = new RpcClient(nc, { subjectPrefix: prefix });
    // Org's CheckAccess, played on its real subject: the operator may read everything, anyone else nothing.
    access = new RpcServer(nc, { queue: 'org', logger: testLogger('org-access'), subjectPrefix: prefix });
    access.handle(AccessService.method.checkAccess, async (req) => ({
      allowed: req.subject === operator.subject && req.action === 'governance.read',
    }));
  });

  afterAll(async () => {
    await app.stop();
    await access.drain();
    const jsm = await jetstreamManager(nc);
    for (const s of [`EVT_ORG${suffix}`, `EVT_GOVERNANCE${suffix}`, `DEAD_LETTERS${suffix}`]) {
      await jsm.streams.delete(s).catch(() => undefined);
    }
    await nc.close();
    await db.drop();
  });

  function community(name: string, version = 1n): NodeRegistered {
    return create(NodeRegisteredSchema, {
      nodeId: newId(),
      kind: NodeKind.COMMUNITY,
      name,
      code: '',
      parentId: newId(),
      ancestors: [
        { id: newId(), kind: NodeKind.PROVINCE, name: '四川省' },
        { id: newId(), kind: NodeKind.CITY, name: '成都市' },
        { id: newId(), kind: NodeKind.DISTRICT, name: '彭州市' },
        { id: newId(), kind: NodeKind.TOWN, name: '丹景山镇' },
      ],
      aggregateVersion: version,
      source: 'operator',
    });
  }

  async function deliver(event: NodeRegistered, eventId: string) {
    const h = headers();
    h.set('ce-id', eventId);
    h.set('ce-type', NodeRegisteredSchema.typeName);
    await jetstream(nc).publish(
      `${prefix}evt.org.v1.node_registered`,
      encodeMessage(NodeRegisteredSchema, event),
      {
        headers: h,
      },
    );
  }

  it('a community registered in org appears in the summary, with no call to org', async () => {
    const event = community('关口场社区');
    await deliver(event, newId());
    const { summary } = await expectEventually(() =>
      client.call(
        CommunityService.method.getCommunitySummary,
        { communityId: event.nodeId },
        { principal: operator },
      ),
    );
    expect(summary).toMatchObject({
      communityId: event.nodeId,
      name: '关口场社区',
      kind: 'community',
      ancestorNames: ['成都市', '彭州市', '丹景山镇'],
      sourceVersion: 1n,
    });
  });

  it('the same event delivered twice changes the projection once (inbox)', async () => {
    const event = community('重复投递社区');
    const eventId = newId();
    await deliver(event, eventId);
    await deliver(event, eventId);
    await expectEventually(async () => {
      const info = await (
        await jetstreamManager(nc)
      ).consumers.info(`EVT_ORG${suffix}`, 'governance_node_registered');
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    });
    const ds = app.runtime.dataSource;
    const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = $1', [eventId]);
    expect(n).toBe(1);
    const rows = await ds.query('SELECT updated_at FROM org_unit_refs WHERE id = $1', [event.nodeId]);
    expect(rows).toHaveLength(1);
  });

  it('an older version of a unit arriving late does not overwrite a newer one', async () => {
    const newer = community('新名字社区', 3n);
    const older = create(NodeRegisteredSchema, { ...newer, name: '旧名字社区', aggregateVersion: 2n });
    await deliver(newer, newId());
    await expectEventually(() =>
      client.call(
        CommunityService.method.getCommunitySummary,
        { communityId: newer.nodeId },
        { principal: operator },
      ),
    );
    await deliver(older, newId());
    const marker = community('标记社区');
    await deliver(marker, newId());
    await expectEventually(() =>
      client.call(
        CommunityService.method.getCommunitySummary,
        { communityId: marker.nodeId },
        { principal: operator },
      ),
    );
    const { summary } = await client.call(
      CommunityService.method.getCommunitySummary,
      {
        communityId: newer.nodeId,
      },
      { principal: operator },
    );
    expect(summary?.name).toBe('新名字社区');
    expect(summary?.sourceVersion).toBe(3n);
  });

  it("outside the caller's subtree the community does not exist (NOT_FOUND, never the data)", async () => {
    const event = community('邻近社区');
    await deliver(event, newId());
    await expectEventually(() =>
      client.call(
        CommunityService.method.getCommunitySummary,
        { communityId: event.nodeId },
        { principal: operator },
      ),
    );
    const stranger = create(PrincipalSchema, { subject: 'op-elsewhere', username: 'x', roles: ['operator'] });
    for (const principal of [stranger, undefined]) {
      await expect(
        client.call(
          CommunityService.method.getCommunitySummary,
          { communityId: event.nodeId },
          { principal },
        ),
      ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, reason: 'COMMUNITY_NOT_FOUND' });
    }
  });

  it('an unknown or non-community id is NOT_FOUND; a malformed one INVALID_ARGUMENT', async () => {
    await expect(
      client.call(
        CommunityService.method.getCommunitySummary,
        { communityId: newId() },
        { principal: operator },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, reason: 'COMMUNITY_NOT_FOUND' });
    await expect(
      client.call(
        CommunityService.method.getCommunitySummary,
        { communityId: '42' },
        { principal: operator },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });
});
