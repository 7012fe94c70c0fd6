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
  describe('resident accounts: a resident signs in as one Keycloak account', () => {
    const LINKED = 'evt.org.v1.resident_account_linked';
    const stream = () => `EVT_ORG${f.streamSuffix}`;
    const query = (sql: string, params: unknown[] = []) => f.org.runtime.dataSource.query(sql, params);
    const link = (residentId: string, subject: string, caller = OPERATOR) =>
      f.client.call(HouseholdService.method.linkResidentAccount, { residentId, subject }, as(caller));

    /** An adult heading a fresh household in the community. */
    async function adult(label: string, name: string) {
      const h = await household(label);
      const { household: withHead } = await f.client.call(
        HouseholdService.method.addMember,
        {
          householdId: h.id,
          resident: { name, idNumber: person(yearsAgo(33)) },
          relation: MemberRelation.HEAD,
        },
        as(OPERATOR),
      );
      return withHead!.members[0].resident!.id;
    }
    /** How many resident_account_linked events JetStream holds for this suite. */
    async function published(): Promise<number> {
      const subject = `${f.prefix}${LINKED}`;
      const info = await (await jetstreamManager(f.nc)).streams.info(stream(), { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    }
    async function lastPublished() {
      const m = await (
        await jetstreamManager(f.nc)
      ).streams.getMessage(stream(), {
        last_by_subj: `${f.prefix}${LINKED}`,
      });
      return {
        body: m!.json<{
          residentId: string;
          subject?: string;
          previousSubject?: string;
          occurredAt?: string;
        }>(),
        actor: m!.header.get('x-actor-sub'),
        type: m!.header.get('ce-type'),
      };
    }
    const outboxRows = async () =>
      (
        await query(`SELECT count(*)::int AS n FROM outbox WHERE type = 'linli.org.v1.ResidentAccountLinked'`)
      )[0].n as number;
    const accountOf = async (residentId: string) =>
      (await query('SELECT account_subject FROM residents WHERE id = $1', [residentId]))[0]
        .account_subject as string | null;
    const logOf = (residentId: string) =>
      query(
        'SELECT subject, previous_subject, actor FROM resident_account_log WHERE resident_id = $1 ORDER BY id',
        [residentId],
      );

    it('links: exactly one resident_account_linked event with the right fields; the link is logged with its actor', async () => {
      const zhang = await adult('13栋101', '张居民');
      const sub = 'acct-link-0001';
      const before = await published();
      await expect(link(zhang, sub)).resolves.toBeDefined();
      expect(await accountOf(zhang)).toBe(sub);
      expect(await logOf(zhang)).toEqual([{ subject: sub, previous_subject: null, actor: OPERATOR }]);
      await expectEventually(async () => expect(await published()).toBe(before + 1));
      const event = await lastPublished();
      expect(event.type).toBe('linli.org.v1.ResidentAccountLinked');
      expect(event.actor).toBe(OPERATOR);
      expect(event.body).toMatchObject({ residentId: zhang, subject: sub });
      expect(event.body.previousSubject ?? '').toBe('');
      expect(Date.now() - Date.parse(event.body.occurredAt!)).toBeLessThan(60_000);

      // Linking the account it already has changes nothing and publishes nothing.
      const rows = await outboxRows();
      await link(zhang, sub);
      expect(await outboxRows()).toBe(rows);
      expect(await logOf(zhang)).toHaveLength(1);
      expect(await published()).toBe(before + 1);
    });

    it('refuses an account already linked to another resident (ALREADY_EXISTS, ACCOUNT_ALREADY_LINKED); nothing changes', async () => {
      const li = await adult('13栋102', '李居民');
      const wang = await adult('13栋103', '王居民');
      const sub = 'acct-link-0002';
      await link(li, sub);
      const rows = await outboxRows();
      await expect(link(wang, sub)).rejects.toMatchObject({
        code: ErrorCode.ALREADY_EXISTS,
        reason: 'ACCOUNT_ALREADY_LINKED',
      });
      expect(await accountOf(li)).toBe(sub);
      expect(await accountOf(wang)).toBeNull();
      expect(await logOf(wang)).toEqual([]);
      expect(await outboxRows()).toBe(rows);

      // Two residents racing for one account: the unique index lets exactly one through.
      const a = await adult('13栋104', '赵居民');
      const b = await adult('13栋105', '钱居民');
      const race = await Promise.allSettled([link(a, 'acct-link-race'), link(b, 'acct-link-race')]);
      expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = race.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({
        code: ErrorCode.ALREADY_EXISTS,
        reason: 'ACCOUNT_ALREADY_LINKED',
      });
      expect([await accountOf(a), await accountOf(b)].sort()).toEqual(['acct-link-race', null].sort());
      expect(await outboxRows()).toBe(rows + 1);
    });

    it('unlinks with an empty subject (the event names the previous account), after which the account may link another resident', async () => {
      const sun = await adult('13栋106', '孙居民');
      const zhou = await adult('13栋107', '周居民');
      const sub = 'acct-link-0003';
      await link(sun, sub);
      await expectEventually(async () => expect((await lastPublished()).body.residentId).toBe(sun));
      const before = await published();
      await link(sun, '');
      expect(await accountOf(sun)).toBeNull();
      await expectEventually(async () => expect(await published()).toBe(before + 1));
      const unlinked = await lastPublished();
      expect(unlinked.body).toMatchObject({ residentId: sun, previousSubject: sub });
      expect(unlinked.body.subject ?? '').toBe('');
      expect(await logOf(sun)).toEqual([
        { subject: sub, previous_subject: null, actor: OPERATOR },
        { subject: null, previous_subject: sub, actor: OPERATOR },
      ]);
      // Unlinking again is a no-op.
      const rows = await outboxRows();
      await link(sun, '');
      expect(await outboxRows()).toBe(rows);

      await link(zhou, sub);
      expect(await accountOf(zhou)).toBe(sub);
      // Switching accounts names the one it replaces.
      await link(zhou, 'acct-link-0004');
      await expectEventually(async () =>
        expect((await lastPublished()).body).toMatchObject({
          residentId: zhou,
          subject: 'acct-link-0004',
          previousSubject: sub,
        }),
      );
      expect(await published()).toBe(before + 3);
    });

    it('validates the request; outside the subtree, read-only or unknown the resident is NOT_FOUND; nothing changes', async () => {
      const wu = await adult('13栋108', '吴居民');
      const rows = await outboxRows();
      await expect(link('not-a-uuid', 'acct-x')).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
      for (const bad of ['has space', 'tab\there', 'x'.repeat(256), 'nul\u0000']) {
        await expect(link(wu, bad)).rejects.toMatchObject({
          code: ErrorCode.INVALID_ARGUMENT,
          violations: [expect.objectContaining({ field: 'subject' })],
        });
      }
      await expect(link(wu, 'x'.repeat(255))).resolves.toBeDefined();
      await link(wu, '');
      const afterValid = await outboxRows();
      expect(afterValid).toBe(rows + 2);
      for (const caller of [OUTSIDER, AUDITOR, 'nobody-at-all']) {
        await expect(link(wu, 'acct-link-0005', caller)).rejects.toMatchObject({
          code: ErrorCode.NOT_FOUND,
          reason: 'RESIDENT_NOT_FOUND',
        });
      }
      await expect(link('0191a000-0000-7000-8000-00000000ffff', 'acct-link-0005')).rejects.toMatchObject({
        code: ErrorCode.NOT_FOUND,
        reason: 'RESIDENT_NOT_FOUND',
      });
      expect(await accountOf(wu)).toBeNull();
      expect(await outboxRows()).toBe(afterValid);
    });

    it('a rolled-back link publishes nothing (the transaction fails at commit, after every write)', async () => {
      const zheng = await adult('13栋109', '郑居民');
      const doomed = 'acct-link-doomed';
      // A deferred trigger on the log fails the commit once the state change, the log row and the outbox row are
      // all written: an outbox row written outside the use case's transaction would survive it.
      await query(`CREATE FUNCTION fail_doomed_link() RETURNS trigger LANGUAGE plpgsql AS $$
                   BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$`);
      await query(`CREATE CONSTRAINT TRIGGER fail_doomed_link AFTER INSERT ON resident_account_log
                   DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.subject = '${doomed}')
                   EXECUTE FUNCTION fail_doomed_link()`);
      const before = await published();
      const rows = await outboxRows();
      try {
        await expect(link(zheng, doomed)).rejects.toMatchObject({ code: ErrorCode.INTERNAL });
      } finally {
        await query('DROP TRIGGER fail_doomed_link ON resident_account_log');
        await query('DROP FUNCTION fail_doomed_link');
      }
      expect(await accountOf(zheng)).toBeNull();
      expect(await logOf(zheng)).toEqual([]);
      expect(await outboxRows()).toBe(rows);
      // The relay runs for the next link and publishes that one only.
      await link(zheng, 'acct-link-0006');
      await expectEventually(async () => expect(await published()).toBe(before + 1));
      expect((await lastPublished()).body).toMatchObject({ residentId: zheng, subject: 'acct-link-0006' });
    });
  });
});
