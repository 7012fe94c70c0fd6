import { ErrorCode, HouseholdService, MemberRelation, NodeKind, NodeService } from '@linli/contracts';
import { composeResidentId } from '@linli/privacy';
import { expectEventually } from '@linli/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { orgFixture, principal, type OrgFixture } from './support.js';

const OPERATOR = 'hh-community-operator';
const AUDITOR = 'hh-auditor';
const OUTSIDER = 'hh-other-community';
const as = (s: string) => ({ principal: principal(s) });

const yearsAgo = (n: number, extraDays = 0) => {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - n);
  d.setUTCDate(d.getUTCDate() - extraDays);
  return d.toISOString().slice(0, 10);
};

describe('org: households, residents and personal data (real PostgreSQL + NATS)', () => {
  let f: OrgFixture;
  let community: string;
  let seq = 100;
  const person = (birth: string) => composeResidentId('510108', birth, seq++);

  beforeAll(async () => {
    f = await orgFixture('org_households');
    await f.grant(OPERATOR, 'community_operator', '510108007003');
    await f.grant(AUDITOR, 'auditor', '510108007003');
    await f.grant(OUTSIDER, 'community_operator', '510108007002');
    community = await f.nodeIdByCode('510108007003');
  });
  afterAll(() => f.close());

  async function household(label: string) {
    const { household } = await f.client.call(
      HouseholdService.method.registerHousehold,
      { nodeId: community, label },
      as(OPERATOR),
    );
    return household!;
  }

  it('registers a household with a head who becomes its representative; members are masked by role (PI-2)', async () => {
    const h = await household('3栋2单元301');
    const headId = person(yearsAgo(45));
    const { household: withHead } = await f.client.call(
      HouseholdService.method.addMember,
      {
        householdId: h.id,
        resident: { name: '张三明', idNumber: headId, mobile: '13812341234' },
        relation: MemberRelation.HEAD,
      },
      as(OPERATOR),
    );
    const head = withHead!.members[0];
    expect(head.representative).toBe(true);
    expect(head.resident).toMatchObject({ name: '张三明', mobile: '138****1234', age: 45 });
    expect(head.resident!.idNumber).toBe(`${headId.slice(0, 6)}********${headId.slice(-4)}`);

    const seenByAuditor = await f.client.call(
      HouseholdService.method.getHousehold,
      { id: h.id },
      as(AUDITOR),
    );
    expect(seenByAuditor.household!.members[0].resident).toMatchObject({
      name: '张*明',
      mobile: '138****1234',
    });
    expect(seenByAuditor.household!.members[0].resident!.idNumber).toMatch(/^5\*+[0-9X]{2}$/);

    await expect(
      f.client.call(HouseholdService.method.getHousehold, { id: h.id }, as(OUTSIDER)),
    ).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
  });

  it('PI-1: ID and phone numbers are encrypted at rest; the full number needs VIEW_ID_FULL and every read is logged', async () => {
    const h = await household('3栋2单元302');
    const id = person(yearsAgo(30));
    const { household: added } = await f.client.call(
      HouseholdService.method.addMember,
      {
        householdId: h.id,
        resident: { name: '李四', idNumber: id, mobile: '13900001111' },
        relation: MemberRelation.HEAD,
      },
      as(OPERATOR),
    );
    const residentId = added!.members[0].resident!.id;
    const ds = f.org.runtime.dataSource;
    const dump = JSON.stringify(await ds.query('SELECT * FROM residents WHERE id = $1', [residentId]));
    expect(dump).not.toContain(id);
    expect(dump).not.toContain('13900001111');

    await expect(
      f.client.call(
        HouseholdService.method.getResident,
        { id: residentId, revealIdNumber: true, purpose: '核对身份' },
        as(AUDITOR),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.PERMISSION_DENIED, reason: 'VIEW_ID_FULL_REQUIRED' });
    await expect(
      f.client.call(
        HouseholdService.method.getResident,
        { id: residentId, revealIdNumber: true },
        as(OPERATOR),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    const full = await f.client.call(
      HouseholdService.method.getResident,
      { id: residentId, revealIdNumber: true, purpose: '办理居住证明核对身份' },
      as(OPERATOR),
    );
    expect(full.resident).toMatchObject({ idNumber: id, idNumberRevealed: true });
    const log = await ds.query('SELECT field, purpose, actor FROM pi_access_log WHERE resident_id = $1', [
      residentId,
    ]);
    expect(log).toEqual([{ field: 'id_number', purpose: '办理居住证明核对身份', actor: OPERATOR }]);
    await expect(ds.query('DELETE FROM pi_access_log')).rejects.toThrow(/append-only/);
  });

  it('PI-4: a resident under 14 is rejected without a guardian-consent record and accepted with one', async () => {
    const h = await household('5栋101');
    const { household: withParent } = await f.client.call(
      HouseholdService.method.addMember,
      {
        householdId: h.id,
        resident: { name: '王芳', idNumber: person(yearsAgo(38)) },
        relation: MemberRelation.HEAD,
      },
      as(OPERATOR),
    );
    const parentId = withParent!.members[0].resident!.id;
    const child = { name: '王小明', idNumber: person(yearsAgo(14, -1)) }; // turns 14 tomorrow
    await expect(
      f.client.call(
        HouseholdService.method.addMember,
        { householdId: h.id, resident: child, relation: MemberRelation.CHILD },
        as(OPERATOR),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, reason: 'GUARDIAN_CONSENT_REQUIRED' });
    const [{ n }] = await f.org.runtime.dataSource.query(
      `SELECT count(*)::int AS n FROM residents WHERE name = '王小明'`,
    );
    expect(n).toBe(0);
    const { household: withChild } = await f.client.call(
      HouseholdService.method.addMember,
      {
        householdId: h.id,
        resident: child,
        relation: MemberRelation.CHILD,
        guardianConsent: { guardianResidentId: parentId, documentRef: 'GC-2026-0001' },
      },
      as(OPERATOR),
    );
    expect(withChild!.members).toHaveLength(2);
    // Exactly 14 today needs no consent.
    const fourteen = { name: '王小红', idNumber: person(yearsAgo(14)) };
    await f.client.call(
      HouseholdService.method.addMember,
      { householdId: h.id, resident: fourteen, relation: MemberRelation.CHILD },
      as(OPERATOR),
    );
  });

  it('rejects a bad identity number, a second head, and the same person twice', async () => {
    const h = await household('7栋1单元');
    const valid = person(yearsAgo(40));
    const fixedBad = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0'); // wrong check character
    await expect(
      f.client.call(
        HouseholdService.method.addMember,
        { householdId: h.id, resident: { name: '赵六', idNumber: fixedBad }, relation: MemberRelation.HEAD },
        as(OPERATOR),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    const id = person(yearsAgo(40));
    await f.client.call(
      HouseholdService.method.addMember,
      { householdId: h.id, resident: { name: '赵六', idNumber: id }, relation: MemberRelation.HEAD },
      as(OPERATOR),
    );
    await expect(
      f.client.call(
        HouseholdService.method.addMember,
        {
          householdId: h.id,
          resident: { name: '赵七', idNumber: person(yearsAgo(41)) },
          relation: MemberRelation.HEAD,
        },
        as(OPERATOR),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ALREADY_EXISTS, reason: 'HOUSEHOLD_HAS_HEAD' });
    await expect(
      f.client.call(
        HouseholdService.method.addMember,
        { householdId: h.id, resident: { name: '赵六', idNumber: id }, relation: MemberRelation.OTHER },
        as(OPERATOR),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ALREADY_EXISTS, reason: 'RESIDENT_ALREADY_REGISTERED' });
  });

  it('the representative can change, with history; only an adult member qualifies; events carry no personal data', async () => {
    const h = await household('9栋201');
    const a = await f.client.call(
      HouseholdService.method.addMember,
      {
        householdId: h.id,
        resident: { name: '陈大', idNumber: person(yearsAgo(60)) },
        relation: MemberRelation.HEAD,
      },
      as(OPERATOR),
    );
    const b = await f.client.call(
      HouseholdService.method.addMember,
      {
        householdId: h.id,
        resident: { name: '陈二', idNumber: person(yearsAgo(35)), mobile: '13700002222' },
        relation: MemberRelation.CHILD,
      },
      as(OPERATOR),
    );
    const headId = a.household!.members[0].resident!.id;
    const sonId = b.household!.members.find((m) => m.resident!.id !== headId)!.resident!.id;
    const changed = await f.client.call(
      HouseholdService.method.changeRepresentative,
      { householdId: h.id, residentId: sonId, reason: '户主年迈' },
      as(OPERATOR),
    );
    expect(changed.household!.representativeResidentId).toBe(sonId);
    const periods = await f.org.runtime.dataSource.query(
      'SELECT resident_id, valid_to IS NULL AS current FROM household_representatives WHERE household_id = $1 ORDER BY valid_from',
      [h.id],
    );
    expect(periods).toEqual([
      { resident_id: headId, current: false },
      { resident_id: sonId, current: true },
    ]);
    const jsm = await jetstreamManager(f.nc);
    const joined = await expectEventually(async () => {
      const m = await jsm.streams.getMessage(`EVT_ORG${f.streamSuffix}`, {
        last_by_subj: `${f.prefix}evt.org.v1.resident_joined`,
      });
      expect(m?.json<{ residentId: string }>().residentId).toBe(sonId);
      return m!.string();
    });
    expect(joined).not.toMatch(/陈二|13700002222|510108/);
    expect(JSON.parse(joined).adultOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await expectEventually(async () => {
      const m = await jsm.streams.getMessage(`EVT_ORG${f.streamSuffix}`, {
        last_by_subj: `${f.prefix}evt.org.v1.household_representative_changed`,
      });
      expect(m?.json<{ previousResidentId: string }>().previousResidentId).toBe(headId);
    });
  });

  it('lists the households of a node and its subtree, masked, within scope only', async () => {
    const page = await f.client.call(
      HouseholdService.method.listHouseholds,
      { nodeId: community, limit: 2 },
      as(AUDITOR),
    );
    expect(page.households).toHaveLength(2);
    expect(page.nextCursor).not.toBe('');
    for (const h of page.households) for (const m of h.members) expect(m.resident!.name).toMatch(/\*/);
    await expect(
      f.client.call(HouseholdService.method.listHouseholds, { nodeId: community }, as(OUTSIDER)),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('a household moves to another node in scope; a member leaves, and the representative period ends with them', async () => {
    const h = await household('11栋1单元');
    const head = await f.client.call(
      HouseholdService.method.addMember,
      {
        householdId: h.id,
        resident: { name: '周大', idNumber: person(yearsAgo(50)) },
        relation: MemberRelation.HEAD,
      },
      as(OPERATOR),
    );
    const headId = head.household!.members[0].resident!.id;
    const sibling = await f.nodeIdByCode('510108007002');
    await expect(
      f.client.call(
        HouseholdService.method.moveHousehold,
        { householdId: h.id, nodeId: sibling },
        as(OPERATOR),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    const { node: compound } = await f.client.call(
      NodeService.method.registerNode,
      { parentId: community, kind: NodeKind.COMPOUND, name: '迁入小区' },
      as(OPERATOR),
    );
    const moved = await f.client.call(
      HouseholdService.method.moveHousehold,
      { householdId: h.id, nodeId: compound!.id, reason: '搬迁' },
      as(OPERATOR),
    );
    expect(moved.household!.nodeId).toBe(compound!.id);

    const left = await f.client.call(
      HouseholdService.method.removeMember,
      { householdId: h.id, residentId: headId, reason: '迁出' },
      as(OPERATOR),
    );
    expect(left.household!.members).toEqual([]);
    expect(left.household!.representativeResidentId).toBe('');
    const jsm = await jetstreamManager(f.nc);
    await expectEventually(async () => {
      const m = await jsm.streams.getMessage(`EVT_ORG${f.streamSuffix}`, {
        last_by_subj: `${f.prefix}evt.org.v1.resident_left`,
      });
      expect(m?.json<{ residentId: string; wasRepresentative: boolean }>()).toMatchObject({
        residentId: headId,
        wasRepresentative: true,
      });
    });
    await expect(
      f.client.call(
        HouseholdService.method.removeMember,
        { householdId: h.id, residentId: headId },
        as(OPERATOR),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, reason: 'MEMBER_NOT_FOUND' });
  });
});
