import { ErrorCode, NodeKind, NodeService } from '@linli/contracts';
import { expectEventually } from '@linli/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { orgFixture, principal, type OrgFixture } from './support.js';

const STREET_OP = 'sub-street-operator';
const COMMUNITY_OP = 'sub-community-operator';
const CITY = 'sub-city-admin';
const asCity = { principal: principal(CITY) };

describe('org: the division tree over NATS (real PostgreSQL + NATS)', () => {
  let f: OrgFixture;
  let danjingshan: string;

  beforeAll(async () => {
    f = await orgFixture('org_nodes');
    danjingshan = await f.nodeIdByCode('510182107000');
    await f.grant(STREET_OP, 'street_operator', '510182107000');
    await f.grant(COMMUNITY_OP, 'community_operator', '510108007003');
    await f.grant(CITY, 'city_admin', '510100000000');
  });
  afterAll(() => f.close());

  it('AD-3: Chengdu 2023 has 20 county-level units, 261 townships (161 streets, 100 towns) and 3,047 village-level units', async () => {
    const rows: Array<{ kind: string; n: number }> = await f.org.runtime.dataSource.query(
      `SELECT kind, count(*)::int AS n FROM nodes WHERE code LIKE '5101%' GROUP BY kind`,
    );
    const n = Object.fromEntries(rows.map((r) => [r.kind, r.n]));
    expect(n.district).toBe(20);
    expect(n.street + (n.town ?? 0) + (n.township ?? 0)).toBe(261);
    expect(n.street).toBe(161);
    expect(n.town).toBe(100);
    expect(n.community + n.village).toBe(3047);
  });

  it('AD-2: every community sits under the township its code names', async () => {
    const [{ bad }] = await f.org.runtime.dataSource.query(
      `SELECT count(*)::int AS bad FROM nodes c JOIN nodes p ON p.id = c.parent_id
        WHERE c.kind IN ('community','village') AND left(c.code, 9) <> left(p.code, 9)`,
    );
    expect(bad).toBe(0);
  });

  it('finds a node by its 12-digit code and by id', async () => {
    const { node } = await f.client.call(NodeService.method.findNodeByCode, { code: '510108007003' }, asCity);
    expect(node).toMatchObject({
      name: '下涧槽社区',
      kind: NodeKind.COMMUNITY,
      code: '510108007003',
      depth: 4,
    });
    const again = await f.client.call(NodeService.method.getNode, { id: node!.id }, asCity);
    expect(again.node?.parentId).toBe(await f.nodeIdByCode('510108007000'));
  });

  it('rejects malformed ids and codes with INVALID_ARGUMENT and unknown ones with NOT_FOUND', async () => {
    await expect(f.client.call(NodeService.method.getNode, { id: 'nope' }, asCity)).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(
      f.client.call(NodeService.method.findNodeByCode, { code: '5101' }, asCity),
    ).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(
      f.client.call(NodeService.method.getNode, { id: '0191a000-0000-7000-8000-00000000ffff' }, asCity),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, reason: 'NODE_NOT_FOUND' });
  });

  it('pages through children with a cursor, without gaps or repeats', async () => {
    const chengdu = await f.nodeIdByCode('510100000000');
    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await f.client.call(
        NodeService.method.listChildren,
        {
          parentId: chengdu,
          limit: 7,
          cursor,
        },
        asCity,
      );
      expect(page.nodes.length).toBeLessThanOrEqual(7);
      seen.push(...page.nodes.map((n) => n.code));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
    await expect(
      f.client.call(NodeService.method.listChildren, { parentId: chengdu, limit: 500 }, asCity),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(
      f.client.call(NodeService.method.listChildren, { parentId: chengdu, cursor: 'garbage' }, asCity),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, reason: 'INVALID_CURSOR' });
  });

  it('a street operator adds 关口场社区 under their own town; the event is published through the outbox', async () => {
    const { node } = await f.client.call(
      NodeService.method.registerNode,
      { parentId: danjingshan, kind: NodeKind.COMMUNITY, name: '关口场社区', requestId: 'req-1' },
      { principal: principal(STREET_OP) },
    );
    expect(node).toMatchObject({
      name: '关口场社区',
      kind: NodeKind.COMMUNITY,
      parentId: danjingshan,
      depth: 4,
    });
    const jsm = await jetstreamManager(f.nc);
    const msg = await expectEventually(async () => {
      const m = await jsm.streams.getMessage(`EVT_ORG${f.streamSuffix}`, {
        last_by_subj: `${f.prefix}evt.org.v1.node_registered`,
      });
      expect(m?.json<{ nodeId: string }>().nodeId).toBe(node!.id);
      return m!;
    });
    const event = msg.json<{ name: string; ancestors: Array<{ name: string }>; source: string }>();
    expect(event.name).toBe('关口场社区');
    expect(event.source).toBe('operator');
    expect(event.ancestors.map((a) => a.name)).toEqual(['四川省', '成都市', '彭州市', '丹景山镇']);
    expect(msg.header.get('x-actor-sub')).toBe(STREET_OP);

    // The same Idempotency-Key gives the same node, not a second one.
    const again = await f.client.call(
      NodeService.method.registerNode,
      { parentId: danjingshan, kind: NodeKind.COMMUNITY, name: '关口场社区', requestId: 'req-1' },
      { principal: principal(STREET_OP) },
    );
    expect(again.node?.id).toBe(node!.id);
  });

  it('outside their subtree an operator gets NOT_FOUND, never the data or a 403', async () => {
    for (const p of [principal(COMMUNITY_OP), principal('sub-nobody'), undefined]) {
      await expect(
        f.client.call(
          NodeService.method.registerNode,
          { parentId: danjingshan, kind: NodeKind.COMMUNITY, name: '越权社区' },
          { principal: p },
        ),
      ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, reason: 'PARENT_NOT_FOUND' });
    }
    const [{ n }] = await f.org.runtime.dataSource.query(
      `SELECT count(*)::int AS n FROM nodes WHERE name = '越权社区'`,
    );
    expect(n).toBe(0);
  });

  it('refuses a kind that does not belong under the parent, a taken name, and a code outside the parent (nothing is published)', async () => {
    const outboxBefore = await f.org.runtime.dataSource.query('SELECT count(*)::int AS n FROM outbox');
    const as = { principal: principal(STREET_OP) };
    await expect(
      f.client.call(
        NodeService.method.registerNode,
        { parentId: danjingshan, kind: NodeKind.STREET, name: '新街道' },
        as,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, reason: 'NODE_KIND_NOT_ALLOWED_HERE' });
    await expect(
      f.client.call(
        NodeService.method.registerNode,
        { parentId: danjingshan, kind: NodeKind.COMMUNITY, name: '关口社区' },
        as,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ALREADY_EXISTS, reason: 'NODE_NAME_TAKEN' });
    await expect(
      f.client.call(
        NodeService.method.registerNode,
        { parentId: danjingshan, kind: NodeKind.COMMUNITY, name: '编码错社区', code: '510108007250' },
        as,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, reason: 'NODE_CODE_OUTSIDE_PARENT' });
    await expect(
      f.client.call(
        NodeService.method.registerNode,
        { parentId: danjingshan, kind: NodeKind.COMMUNITY, name: ' ' },
        as,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    const outboxAfter = await f.org.runtime.dataSource.query('SELECT count(*)::int AS n FROM outbox');
    expect(outboxAfter[0].n).toBe(outboxBefore[0].n);
  });

  it('re-importing the same edition adds nothing (idempotent)', async () => {
    const { importDivisions } = await import('../src/divisions/divisions.import.js');
    const { testLogger } = await import('@linli/testing');
    const report = await importDivisions(f.org.runtime.dataSource, { scope: '5101', logger: testLogger() });
    expect(report.added).toBe(0);
    expect(report.unchanged).toBe(report.seen);
  });
});
