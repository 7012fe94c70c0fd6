import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AccessService, ErrorCode, NodeKind, NodeService, ScopedRole } from '@linli/contracts';
import { expectEventually } from '@linli/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { SCOPE_CACHE_TTL_MS } from '../src/access/access.service.js';
import { orgFixture, principal, type OrgFixture } from './support.js';

const CITY = 'tree-city-admin';
const CHENGHUA = 'tree-chenghua-operator';
const AUDITOR = 'tree-auditor';
const as = (subject: string) => ({ principal: principal(subject) });

describe('org: tree queries, edits with history, scoped roles (real PostgreSQL + NATS)', () => {
  let f: OrgFixture;
  let chenghua: string;
  let erxianqiao: string;
  let xiajiancao: string;

  beforeAll(async () => {
    f = await orgFixture('org_tree');
    await f.grant(CITY, 'city_admin', '510100000000');
    await f.grant(CHENGHUA, 'district_operator', '510108000000');
    await f.grant(AUDITOR, 'auditor', '510108007000');
    chenghua = await f.nodeIdByCode('510108000000');
    erxianqiao = await f.nodeIdByCode('510108007000');
    xiajiancao = await f.nodeIdByCode('510108007003');
  });
  afterAll(() => f.close());

  it('breadcrumbs: the path from the province down to the node', async () => {
    const { path } = await f.client.call(NodeService.method.getNodePath, { id: xiajiancao }, as(CHENGHUA));
    expect(path.map((p) => p.name)).toEqual(['四川省', '成都市', '成华区', '二仙桥街道', '下涧槽社区']);
  });

  it('pages through a whole subtree in tree order with a cursor, filtered by kind', async () => {
    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await f.client.call(
        NodeService.method.listSubtree,
        { rootId: chenghua, kinds: [NodeKind.COMMUNITY, NodeKind.VILLAGE], limit: 13, cursor },
        as(CHENGHUA),
      );
      seen.push(...page.nodes.map((n) => n.code));
      cursor = page.nextCursor;
    } while (cursor);
    const [{ n }] = await f.org.runtime.dataSource.query(
      `SELECT count(*)::int AS n FROM nodes WHERE code LIKE '510108%' AND kind IN ('community','village')`,
    );
    expect(seen).toHaveLength(n);
    expect(new Set(seen).size).toBe(n);
    expect(seen.every((c) => c.startsWith('510108'))).toBe(true);
  });

  it('searches names by a partial Chinese string, only inside the caller’s scope', async () => {
    const inScope = await f.client.call(NodeService.method.searchNodes, { query: '二仙桥' }, as(CHENGHUA));
    expect(inScope.nodes.map((n) => n.name)).toContain('二仙桥街道');
    const outside = await f.client.call(NodeService.method.searchNodes, { query: '丹景' }, as(CHENGHUA));
    expect(outside.nodes).toEqual([]);
    const cityWide = await f.client.call(NodeService.method.searchNodes, { query: '丹景' }, as(CITY));
    expect(cityWide.nodes.map((n) => n.name)).toEqual(expect.arrayContaining(['丹景山镇', '丹景村']));
    await expect(
      f.client.call(NodeService.method.searchNodes, { query: '  ' }, as(CITY)),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    // LIKE wildcards in the query are literal characters.
    expect((await f.client.call(NodeService.method.searchNodes, { query: '%' }, as(CITY))).nodes).toEqual([]);
  });

  it('rolls up counts per level under a node', async () => {
    const { counts } = await f.client
      .call(NodeService.method.countSubtree, { rootId: chenghua }, as(AUDITOR))
      .catch(() => ({ counts: [] }));
    expect(counts).toEqual([]); // the auditor's scope is 二仙桥街道, not 成华区
    const city = await f.client.call(NodeService.method.countSubtree, { rootId: chenghua }, as(CITY));
    const byKind = Object.fromEntries(city.counts.map((c) => [NodeKind[c.kind], Number(c.count)]));
    expect(byKind.STREET).toBeGreaterThan(0);
    expect(byKind.COMMUNITY + (byKind.VILLAGE ?? 0)).toBeGreaterThan(byKind.STREET);
  });

  it('rename, move and retire are versioned: the tree on an earlier date is still there; the audit log is append-only', async () => {
    const ds = f.org.runtime.dataSource;
    const { node: compound } = await f.client.call(
      NodeService.method.registerNode,
      { parentId: xiajiancao, kind: NodeKind.COMPOUND, name: '建设小区' },
      as(CHENGHUA),
    );
    const before = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const renamed = await f.client.call(
      NodeService.method.renameNode,
      { id: compound!.id, name: '建设花园', reason: '居民议定新名', expectedVersion: 1n },
      as(CHENGHUA),
    );
    expect(renamed.node).toMatchObject({ name: '建设花园', version: 2n });
    // A stale version is refused, not silently applied.
    await expect(
      f.client.call(
        NodeService.method.renameNode,
        { id: compound!.id, name: '旧版本', expectedVersion: 1n },
        as(CHENGHUA),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, reason: 'NODE_VERSION_CONFLICT' });

    const dongLu = await f.nodeIdByCode('510108007002');
    const moved = await f.client.call(
      NodeService.method.moveNode,
      { id: compound!.id, newParentId: dongLu, reason: '划入东路社区' },
      as(CHENGHUA),
    );
    expect(moved.node?.parentId).toBe(dongLu);
    const { path } = await f.client.call(NodeService.method.getNodePath, { id: compound!.id }, as(CHENGHUA));
    expect(path.map((p) => p.name).slice(-2)).toEqual(['东路社区', '建设花园']);

    // The tree as it was before the rename and the move.
    const then = await f.client.call(
      NodeService.method.listSubtree,
      { rootId: xiajiancao, at: timestampFromDate(before), kinds: [NodeKind.COMPOUND] },
      as(CHENGHUA),
    );
    expect(then.nodes.map((n) => n.name)).toEqual(['建设小区']);
    const now = await f.client.call(
      NodeService.method.listSubtree,
      { rootId: xiajiancao, kinds: [NodeKind.COMPOUND] },
      as(CHENGHUA),
    );
    expect(now.nodes).toEqual([]);

    await f.client.call(NodeService.method.retireNode, { id: compound!.id, reason: '拆迁' }, as(CHENGHUA));
    await expect(
      f.client.call(NodeService.method.getNode, { id: compound!.id }, as(CHENGHUA)),
    ).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    const log = await ds.query(
      `SELECT action, actor, reason FROM node_audit_log WHERE node_id = $1 ORDER BY id`,
      [compound!.id],
    );
    expect(log.map((l: { action: string }) => l.action)).toEqual(['register', 'rename', 'move', 'retire']);
    expect(log[1]).toMatchObject({ actor: CHENGHUA, reason: '居民议定新名' });
    await expect(
      ds.query(`UPDATE node_audit_log SET reason = 'rewritten' WHERE node_id = $1`, [compound!.id]),
    ).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM node_versions WHERE node_id = $1`, [compound!.id])).rejects.toThrow(
      /closed/,
    );

    const jsm = await jetstreamManager(f.nc);
    for (const subject of ['node_renamed', 'node_moved', 'node_retired']) {
      await expectEventually(async () => {
        const m = await jsm.streams.getMessage(`EVT_ORG${f.streamSuffix}`, {
          last_by_subj: `${f.prefix}evt.org.v1.${subject}`,
        });
        expect(m?.json<{ nodeId: string }>().nodeId).toBe(compound!.id);
      });
    }
  });

  it('refuses to move a node under its own subtree or to retire a node with children', async () => {
    await expect(
      f.client.call(NodeService.method.moveNode, { id: erxianqiao, newParentId: xiajiancao }, as(CHENGHUA)),
    ).rejects.toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, reason: 'MOVE_INTO_OWN_SUBTREE' });
    await expect(
      f.client.call(NodeService.method.retireNode, { id: erxianqiao }, as(CHENGHUA)),
    ).rejects.toMatchObject({
      code: ErrorCode.FAILED_PRECONDITION,
      reason: 'NODE_HAS_CHILDREN',
    });
  });

  it('grants and revokes scoped roles; nobody hands out a role above their own; a revoked role stops working within seconds', async () => {
    const newcomer = 'tree-newcomer';
    await expect(
      f.client.call(NodeService.method.getNode, { id: xiajiancao }, as(newcomer)),
    ).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    await expect(
      f.client.call(
        AccessService.method.grantRole,
        { subject: newcomer, role: ScopedRole.CITY_ADMIN, nodeId: xiajiancao },
        as(CHENGHUA),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.PERMISSION_DENIED, reason: 'ROLE_ABOVE_GRANTOR' });
    const { assignment } = await f.client.call(
      AccessService.method.grantRole,
      { subject: newcomer, role: ScopedRole.COMMUNITY_OPERATOR, nodeId: xiajiancao, reason: '新任社区书记' },
      as(CHENGHUA),
    );
    expect(assignment).toMatchObject({ subject: newcomer, nodeName: '下涧槽社区', grantedBy: CHENGHUA });
    expect(
      (await f.client.call(NodeService.method.getNode, { id: xiajiancao }, as(newcomer))).node?.name,
    ).toBe('下涧槽社区');
    const check = (s: string) =>
      f.client.call(AccessService.method.checkAccess, {
        subject: s,
        action: 'org.node.write',
        nodeId: xiajiancao,
      });
    expect((await check(newcomer)).allowed).toBe(true);
    expect((await check(AUDITOR)).allowed).toBe(false);

    const listed = await f.client.call(
      AccessService.method.listRoleAssignments,
      { nodeId: erxianqiao },
      as(CHENGHUA),
    );
    expect(listed.assignments.map((a) => a.subject)).toEqual(expect.arrayContaining([newcomer, AUDITOR]));

    await f.client.call(
      AccessService.method.revokeRole,
      { assignmentId: assignment!.id, reason: '调任' },
      as(CHENGHUA),
    );
    const revokedAt = Date.now();
    await expectEventually(async () => expect((await check(newcomer)).allowed).toBe(false), {
      timeoutMs: SCOPE_CACHE_TTL_MS + 2000,
    });
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(SCOPE_CACHE_TTL_MS + 2000);
    const jsm = await jetstreamManager(f.nc);
    const revoked = await expectEventually(async () => {
      const m = await jsm.streams.getMessage(`EVT_ORG${f.streamSuffix}`, {
        last_by_subj: `${f.prefix}evt.org.v1.role_revoked`,
      });
      expect(m).toBeTruthy();
      return m!.json<{ assignmentId: string }>();
    });
    expect(revoked.assignmentId).toBe(assignment!.id);
  });
});

describe('org: managing authority apart from the statistical parent', () => {
  let f: OrgFixture;
  beforeAll(async () => {
    f = await orgFixture('org_zones');
    await f.grant(CITY, 'city_admin', '510100000000');
  });
  afterAll(() => f.close());

  it('a zone administers a street that stays statistically under its district; the zone operator acts there', async () => {
    const chengdu = await f.nodeIdByCode('510100000000');
    const { node: zone } = await f.client.call(
      NodeService.method.registerNode,
      { parentId: chengdu, kind: NodeKind.ZONE, name: '成都高新技术产业开发区' },
      as(CITY),
    );
    const street = await f.nodeIdByCode('510107001000');
    const zoneOperator = 'zone-operator';
    await f.client.call(
      AccessService.method.grantRole,
      { subject: zoneOperator, role: ScopedRole.DISTRICT_OPERATOR, nodeId: zone!.id },
      as(CITY),
    );
    await expect(
      f.client.call(NodeService.method.getNode, { id: street }, as(zoneOperator)),
    ).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    const { node } = await f.client.call(
      NodeService.method.setManagingAuthority,
      { nodeId: street, authorityNodeId: zone!.id, reason: '高新区托管' },
      as(CITY),
    );
    expect(node!.managingAuthorityId).toBe(zone!.id);
    const { path } = await f.client.call(NodeService.method.getNodePath, { id: street }, as(CITY));
    expect(path.map((p) => p.name).slice(0, 3)).toEqual(['四川省', '成都市', '武侯区']);
    await expectEventually(async () => {
      const seen = await f.client.call(NodeService.method.getNode, { id: street }, as(zoneOperator));
      expect(seen.node!.id).toBe(street);
    });
    const { nodes } = await f.client.call(
      NodeService.method.listChildren,
      { parentId: street, limit: 5 },
      as(zoneOperator),
    );
    expect(nodes.length).toBeGreaterThan(0);
    await expect(
      f.client.call(
        NodeService.method.setManagingAuthority,
        { nodeId: zone!.id, authorityNodeId: chengdu },
        as(CITY),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.FAILED_PRECONDITION });
  });
});
