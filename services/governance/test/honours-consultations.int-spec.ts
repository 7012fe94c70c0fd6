import { create, toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AccessService,
  ConsultationService,
  ConsultationStatus,
  ConsultationSummarisedSchema,
  ErrorCode,
  GetHonourRollResponseSchema,
  HonourAwardedSchema,
  HonourService,
  HouseholdRegisteredSchema,
  ListOpinionsResponseSchema,
  MeetingKind,
  MeetingService,
  MemberRelation,
  MotionKind,
  NodeKind,
  NodeRegisteredSchema,
  PrincipalSchema,
  ResidentAccountLinkedSchema,
  ResidentJoinedSchema,
  eventSubject,
  type Principal,
} from '@linli/contracts';
import { RpcClient, RpcServer, decodeMessage, encodeMessage } from '@linli/messaging';
import { newId } from '@linli/persistence';
import {
  createTestDatabase,
  deleteStreams,
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
import { rejection } from './support.js';

const who = (subject: string): Principal =>
  create(PrincipalSchema, { subject, username: subject, roles: [], clientId: 'test' });

/** The month after `period` (YYYY-MM). */
function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

describe('governance: honours and consultations (real PostgreSQL + JetStream)', () => {
  let db: TestDatabase;
  let app: GovernanceApp;
  let nc: NatsConnection;
  let client: RpcClient;
  let orgAccess: RpcServer;
  let prefix: string;
  let suffix: string;

  // Org's tree: province > city > district > street > community (compound > buildings 1, 2) and another
  // community with one building.
  const province = newId();
  const city = newId();
  const district = newId();
  const street = newId();
  const community = newId();
  const compound = newId();
  const building1 = newId();
  const building2 = newId();
  const other = newId();
  const otherBuilding = newId();

  const household = { h1: newId(), h2: newId(), h3: newId(), h4: newId(), outside: newId() };
  const resident = { r1: newId(), r2: newId(), r3: newId(), r4: newId(), outside: newId() };

  // Org's CheckAccess as a table: who holds governance actions on which nodes (the subtree written out).
  const s = uniqueSuffix();
  const operator = who(`op-community-${s}`);
  const buildingLeader = who(`leader-b1-${s}`);
  const otherOperator = who(`op-other-${s}`);
  const cityAdmin = who(`admin-city-${s}`);
  const residentOne = who(`resident-one-${s}`);
  const outsider = who(`resident-outside-${s}`);
  const grants = new Map<string, Set<string>>([
    [operator.subject, new Set([community, compound, building1, building2])],
    [buildingLeader.subject, new Set([building1])],
    [otherOperator.subject, new Set([other, otherBuilding])],
    [
      cityAdmin.subject,
      new Set([city, district, street, community, compound, building1, building2, other, otherBuilding]),
    ],
  ]);

  const honours = HonourService.method;
  const consultations = ConsultationService.method;
  const meetings = MeetingService.method;

  async function deliver<D extends DescMessage>(schema: D, event: MessageShape<D>) {
    const h = headers();
    h.set('ce-id', newId());
    h.set('ce-type', schema.typeName);
    await jetstream(nc).publish(`${prefix}${eventSubject(schema)}`, encodeMessage(schema, event), {
      headers: h,
    });
  }

  async function lastEvent<D extends DescMessage>(schema: D): Promise<MessageShape<D>> {
    const jsm = await jetstreamManager(nc);
    const msg = await jsm.streams.getMessage(`EVT_GOVERNANCE${suffix}`, {
      last_by_subj: `${prefix}${eventSubject(schema)}`,
    });
    return decodeMessage(schema, msg!.data);
  }

  async function count(sql: string, params: unknown[]): Promise<number> {
    const rows: Array<{ n: number }> = await app.runtime.dataSource.query(sql, params);
    return rows[0].n;
  }

  const outboxCount = (type: string) =>
    count(`SELECT count(*)::int AS n FROM outbox WHERE type = $1`, [type]);

  beforeAll(async () => {
    db = await createTestDatabase('gov_honours');
    const ds = governanceDataSource(db.url, 1);
    await ds.initialize();
    await ds.runMigrations();
    await ds.destroy();
    prefix = `t${s}.`;
    suffix = `_${s.toUpperCase()}`;

    nc = await connect({ servers: natsUrl });
    orgAccess = new RpcServer(nc, {
      queue: `org-${s}`,
      logger: testLogger('org-access'),
      subjectPrefix: prefix,
    });
    orgAccess.handle(AccessService.method.checkAccess, async (req) => ({
      allowed: req.action.startsWith('governance.') && !!grants.get(req.subject)?.has(req.nodeId),
    }));

    // The service as main.ts boots it (the module lists the honours and consultations providers).
    app = await startGovernanceApp(
      governanceConfig({
        DATABASE_URL: db.url,
        NATS_URL: natsUrl,
        NATS_SUBJECT_PREFIX: prefix,
        NATS_STREAM_SUFFIX: suffix,
      }),
      { ops: false, logger: testLogger('governance') },
    );
    client = new RpcClient(nc, { subjectPrefix: prefix, timeoutMs: 30_000 });

    // Org's events feed governance's projections (the tree, households, residents and their accounts).
    const ancestors = [
      { id: province, kind: NodeKind.PROVINCE, name: '四川省' },
      { id: city, kind: NodeKind.CITY, name: '成都市' },
      { id: district, kind: NodeKind.DISTRICT, name: '彭州市' },
      { id: street, kind: NodeKind.TOWN, name: '丹景山镇' },
    ];
    const nodes: Array<[string, NodeKind, string, string]> = [
      [community, NodeKind.COMMUNITY, '关口场社区', street],
      [compound, NodeKind.COMPOUND, '幸福小区', community],
      [building1, NodeKind.BUILDING, '1栋', compound],
      [building2, NodeKind.BUILDING, '2栋', compound],
      [other, NodeKind.COMMUNITY, '天府社区', street],
      [otherBuilding, NodeKind.BUILDING, '9栋', other],
    ];
    const names = new Map(nodes.map(([id, kind, name]) => [id, { id, kind, name }]));
    const pathOf = (id: string): string[] => {
      const parent = nodes.find(([n]) => n === id)?.[3];
      return parent && names.has(parent) ? [...pathOf(parent), id] : [...ancestors.map((a) => a.id), id];
    };
    for (const [id, kind, name, parentId] of nodes) {
      const path = pathOf(id).slice(0, -1);
      await deliver(
        NodeRegisteredSchema,
        create(NodeRegisteredSchema, {
          nodeId: id,
          kind,
          name,
          parentId,
          ancestors: path.map((a) => ancestors.find((x) => x.id === a) ?? names.get(a)!),
          occurredAt: timestampFromDate(new Date()),
          aggregateVersion: 1n,
          source: 'operator',
        }),
      );
    }
    const homes: Array<[string, string, string]> = [
      [household.h1, resident.r1, building1],
      [household.h2, resident.r2, building1],
      [household.h3, resident.r3, building2],
      [household.h4, resident.r4, building2],
      [household.outside, resident.outside, otherBuilding],
    ];
    for (const [h, r, node] of homes) {
      await deliver(
        HouseholdRegisteredSchema,
        create(HouseholdRegisteredSchema, {
          householdId: h,
          nodeId: node,
          nodePath: pathOf(node),
          occurredAt: timestampFromDate(new Date()),
        }),
      );
      await deliver(
        ResidentJoinedSchema,
        create(ResidentJoinedSchema, {
          householdId: h,
          residentId: r,
          relation: MemberRelation.HEAD,
          adultOn: '1990-01-01',
          occurredAt: timestampFromDate(new Date()),
        }),
      );
    }
    for (const [r, p] of [
      [resident.r1, residentOne],
      [resident.outside, outsider],
    ] as const) {
      await deliver(
        ResidentAccountLinkedSchema,
        create(ResidentAccountLinkedSchema, {
          residentId: r,
          subject: p.subject,
          occurredAt: timestampFromDate(new Date()),
        }),
      );
    }
    await expectEventually(
      async () => {
        expect(await count(`SELECT count(*)::int AS n FROM org_unit_refs`, [])).toBe(nodes.length);
        expect(await count(`SELECT count(*)::int AS n FROM org_households`, [])).toBe(homes.length);
        expect(
          await count(`SELECT count(*)::int AS n FROM org_residents WHERE joined_at IS NOT NULL`, []),
        ).toBe(homes.length);
        expect(await count(`SELECT count(*)::int AS n FROM resident_accounts`, [])).toBe(2);
      },
      { timeoutMs: 30_000 },
    );
  });

  afterAll(async () => {
    await app?.stop();
    await orgAccess?.drain();
    if (nc) {
      await deleteStreams(nc, `EVT_ORG${suffix}`, `EVT_GOVERNANCE${suffix}`, `DEAD_LETTERS${suffix}`);
      await nc.close();
    }
    await db?.drop();
  });

  /** A courtyard meeting (households of the scope are the base, RC-5), open, with `attending` present. */
  async function openMeeting(
    scopeNodeId: string,
    attending: string[],
    agenda: Array<{ title: string; consultationId?: string }> = [{ title: '评选本月最美家庭' }],
  ) {
    const { meeting } = await client.call(
      meetings.conveneMeeting,
      {
        kind: MeetingKind.COURTYARD,
        scopeNodeId,
        title: '户主坝坝会',
        scheduledFor: timestampFromDate(new Date()),
        agenda: agenda.map((a) => ({ consultationId: '', ...a })),
      },
      { principal: operator },
    );
    await client.call(meetings.openMeeting, { meetingId: meeting!.id }, { principal: operator });
    for (const householdId of attending) {
      await client.call(
        meetings.recordAttendance,
        { meetingId: meeting!.id, householdId },
        { principal: operator },
      );
    }
    return meeting!.id;
  }

  const period = '2026-10';
  let schemeId: string;
  let winnerNominationId: string;

  describe('honours', () => {
    it('an operator of the scope sets up a scheme; outside the subtree the scope does not exist; bad input is INVALID_ARGUMENT', async () => {
      const { scheme } = await client.call(
        honours.createHonourScheme,
        {
          scopeNodeId: community,
          title: '最美家庭',
          honouree: 'household',
          excludePreviousWinner: true,
          nominationsPerUnit: 1,
        },
        { principal: operator },
      );
      expect(scheme).toMatchObject({ scopeNodeId: community, honouree: 'household', nominationsPerUnit: 1 });
      schemeId = scheme!.id;
      const outside = await rejection(
        client.call(
          honours.createHonourScheme,
          { scopeNodeId: other, title: '最美家庭', honouree: 'household' },
          { principal: operator },
        ),
      );
      expect(outside).toMatchObject({ code: ErrorCode.NOT_FOUND, reason: 'NODE_NOT_FOUND' });
      const invalid = await rejection(
        client.call(
          honours.createHonourScheme,
          { scopeNodeId: community, title: ' ', honouree: 'family', nominationsPerUnit: 21 },
          { principal: operator },
        ),
      );
      expect(invalid.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(invalid.violations.map((v) => v.field).sort()).toEqual([
        'honouree',
        'nominations_per_unit',
        'title',
      ]);
    });

    it('nominations come from a building or compound under the scope, at most nominations_per_unit per unit and period', async () => {
      const nominate = (
        unitNodeId: string,
        householdId: string,
        displayName: string,
        p = operator,
        consent = false,
      ) =>
        client.call(
          honours.nominateForHonour,
          { schemeId, period, unitNodeId, householdId, displayName, publicNameConsent: consent },
          { principal: p },
        );
      expect(await rejection(nominate(community, household.h1, '张三明'))).toMatchObject({
        code: ErrorCode.FAILED_PRECONDITION,
        reason: 'UNIT_NOT_BUILDING_OR_COMPOUND',
      });
      expect(await rejection(nominate(otherBuilding, household.outside, '王五', cityAdmin))).toMatchObject({
        code: ErrorCode.FAILED_PRECONDITION,
        reason: 'UNIT_NOT_IN_SCOPE',
      });
      expect(await rejection(nominate(building1, household.h3, '李四'))).toMatchObject({
        reason: 'HONOUREE_NOT_IN_UNIT',
      });
      // A building leader nominates from their own building; another building is outside their subtree.
      expect(await rejection(nominate(building2, household.h3, '李四', buildingLeader))).toMatchObject({
        code: ErrorCode.NOT_FOUND,
        reason: 'HONOUR_SCHEME_NOT_FOUND',
      });
      const { nomination } = await nominate(building1, household.h1, '张三明', buildingLeader);
      expect(nomination).toMatchObject({
        unitNodeId: building1,
        householdId: household.h1,
        displayName: '张三明',
      });
      winnerNominationId = nomination!.id;
      expect(await rejection(nominate(building1, household.h2, '赵六'))).toMatchObject({
        reason: 'UNIT_NOMINATIONS_FULL',
      });
      // The same household from the compound (it lives there too): one nomination per honouree and period.
      expect(await rejection(nominate(compound, household.h1, '张三明'))).toMatchObject({
        code: ErrorCode.ALREADY_EXISTS,
        reason: 'ALREADY_NOMINATED',
      });
      await nominate(building2, household.h3, '李四');
      const { nominations } = await client.call(
        honours.listHonourNominations,
        { schemeId, period },
        { principal: operator },
      );
      expect(nominations.map((n) => n.householdId).sort()).toEqual([household.h1, household.h3].sort());
      expect(
        await rejection(
          client.call(honours.listHonourNominations, { schemeId, period }, { principal: otherOperator }),
        ),
      ).toMatchObject({ code: ErrorCode.NOT_FOUND, reason: 'HONOUR_SCHEME_NOT_FOUND' });
    });

    it('RC-5 quorum: the award is voted at a quorate meeting of the scheme subtree; votes are at most those present; a tie awards nothing; plurality wins once', async () => {
      const award = (meetingId: string, votes: Array<[string, number]>, p = operator) =>
        client.call(
          honours.awardHonour,
          {
            schemeId,
            period,
            meetingId,
            votes: votes.map(([nominationId, v]) => ({ nominationId, votes: v })),
          },
          { principal: p },
        );
      const { nominations } = await client.call(
        honours.listHonourNominations,
        { schemeId, period },
        { principal: operator },
      );
      const other3 = nominations.find((n) => n.householdId === household.h3)!.id;

      const { meeting: elsewhere } = await client.call(
        meetings.conveneMeeting,
        {
          kind: MeetingKind.COURTYARD,
          scopeNodeId: other,
          title: '户主坝坝会',
          scheduledFor: timestampFromDate(new Date()),
        },
        { principal: otherOperator },
      );
      expect(await rejection(award(elsewhere!.id, [[winnerNominationId, 1]], cityAdmin))).toMatchObject({
        reason: 'MEETING_NOT_IN_SCOPE',
      });
      // For an operator who cannot see that meeting it does not exist.
      expect(await rejection(award(elsewhere!.id, [[winnerNominationId, 1]]))).toMatchObject({
        code: ErrorCode.NOT_FOUND,
        reason: 'MEETING_NOT_FOUND',
      });

      // The compound's meeting (below the community's scheme): 4 households, 2 present: 2*2 > 4 is false.
      const meetingId = await openMeeting(compound, [household.h1, household.h2]);
      const notQuorate = await rejection(award(meetingId, [[winnerNominationId, 2]]));
      expect(notQuorate).toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, reason: 'NOT_QUORATE' });
      expect(notQuorate.message).toContain('RC-5');
      await client.call(
        meetings.recordAttendance,
        { meetingId, householdId: household.h3 },
        { principal: operator },
      );

      const tooMany = await rejection(
        award(meetingId, [
          [winnerNominationId, 2],
          [other3, 2],
        ]),
      );
      expect(tooMany).toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
      expect(tooMany.message).toContain('3 present');
      expect((await rejection(award(meetingId, [[winnerNominationId, -1]]))).code).toBe(
        ErrorCode.INVALID_ARGUMENT,
      );

      const tie = await award(meetingId, [
        [winnerNominationId, 1],
        [other3, 1],
      ]);
      expect(tie.tie).toBe(true);
      expect(tie.award).toBeUndefined();
      const afterTie = await client.call(
        honours.listHonourNominations,
        { schemeId, period },
        { principal: operator },
      );
      expect(afterTie.nominations.map((n) => [n.votes, n.awarded])).toEqual([
        [1, false],
        [1, false],
      ]);
      // A vote that fails rolls back whole: the counts of the tie stay, and nothing reaches the outbox.
      expect(
        await rejection(
          award(meetingId, [
            [winnerNominationId, 0],
            [other3, 0],
          ]),
        ),
      ).toMatchObject({ reason: 'NO_VOTES' });
      const afterFailure = await client.call(
        honours.listHonourNominations,
        { schemeId, period },
        { principal: operator },
      );
      expect(afterFailure.nominations.map((n) => n.votes)).toEqual([1, 1]);
      expect(await outboxCount(HonourAwardedSchema.typeName)).toBe(0);

      const won = await award(meetingId, [
        [winnerNominationId, 2],
        [other3, 1],
      ]);
      expect(won.tie).toBe(false);
      expect(won.award).toMatchObject({
        nominationId: winnerNominationId,
        votes: 2,
        meetingId,
        period,
        schemeTitle: '最美家庭',
      });
      expect(await rejection(award(meetingId, [[other3, 3]]))).toMatchObject({
        code: ErrorCode.ALREADY_EXISTS,
        reason: 'ALREADY_AWARDED',
      });
      expect(await outboxCount(HonourAwardedSchema.typeName)).toBe(1);
      // PI-3: the event is a publication: the name is masked without consent.
      const event = await expectEventually(async () => {
        const e = await lastEvent(HonourAwardedSchema);
        expect(e.nominationId).toBe(winnerNominationId);
        return e;
      });
      expect(event).toMatchObject({ schemeId, scopeNodeId: community, period, displayName: '张**' });
    });

    it("eligibility: with exclude_previous_winner, last period's winner is refused in the next period; others are not", async () => {
      const next = nextPeriod(period);
      const refused = await rejection(
        client.call(
          honours.nominateForHonour,
          { schemeId, period: next, unitNodeId: building1, householdId: household.h1, displayName: '张三明' },
          { principal: operator },
        ),
      );
      expect(refused).toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, reason: 'PREVIOUS_WINNER' });
      expect(refused.message).toContain(period);
      const { nomination } = await client.call(
        honours.nominateForHonour,
        { schemeId, period: next, unitNodeId: building1, householdId: household.h2, displayName: '赵六' },
        { principal: operator },
      );
      expect(nomination!.period).toBe(next);
    });

    it('PI-3 masking on the honour roll: public, names masked (surname + *) unless consented, no household or resident ids, newest first, cursor-paged', async () => {
      // A second scheme, for residents, at the compound; the winner consented to publication of her name.
      const { scheme } = await client.call(
        honours.createHonourScheme,
        {
          scopeNodeId: compound,
          title: '优秀共治卫士',
          honouree: 'resident',
          excludePreviousWinner: false,
          nominationsPerUnit: 2,
        },
        { principal: operator },
      );
      const { nomination } = await client.call(
        honours.nominateForHonour,
        {
          schemeId: scheme!.id,
          period,
          unitNodeId: building2,
          residentId: resident.r3,
          displayName: '欧阳娜娜',
          publicNameConsent: true,
        },
        { principal: operator },
      );
      expect(nomination).toMatchObject({ residentId: resident.r3, householdId: household.h3 });
      const meetingId = await openMeeting(compound, [household.h2, household.h3, household.h4]);
      await client.call(
        honours.awardHonour,
        { schemeId: scheme!.id, period, meetingId, votes: [{ nominationId: nomination!.id, votes: 3 }] },
        { principal: operator },
      );

      // Anonymous caller (no principal).
      const roll = await client.call(honours.getHonourRoll, { scopeNodeId: community, limit: 10 });
      expect(roll.awards.map((a) => [a.schemeTitle, a.displayName])).toEqual([
        ['优秀共治卫士', '欧阳娜娜'],
        ['最美家庭', '张**'],
      ]);
      const json = JSON.stringify(toJson(GetHonourRollResponseSchema, roll));
      for (const id of [...Object.values(household), ...Object.values(resident)])
        expect(json).not.toContain(id);
      expect(json).not.toContain('张三明');

      const first = await client.call(honours.getHonourRoll, { scopeNodeId: street, limit: 1 });
      expect(first.awards.map((a) => a.schemeTitle)).toEqual(['优秀共治卫士']);
      expect(first.nextCursor).not.toBe('');
      const second = await client.call(honours.getHonourRoll, {
        scopeNodeId: street,
        limit: 1,
        cursor: first.nextCursor,
      });
      expect(second.awards.map((a) => a.schemeTitle)).toEqual(['最美家庭']);
      expect(second.nextCursor).toBe('');
      // The compound's roll holds the compound's scheme only; a building below it has none.
      const atCompound = await client.call(honours.getHonourRoll, { scopeNodeId: compound });
      expect(atCompound.awards.map((a) => a.schemeTitle)).toEqual(['优秀共治卫士']);
      expect((await client.call(honours.getHonourRoll, { scopeNodeId: building1 })).awards).toEqual([]);
      expect(
        (
          await rejection(
            client.call(honours.getHonourRoll, { scopeNodeId: community, cursor: 'not-a-cursor' }),
          )
        ).code,
      ).toBe(ErrorCode.INVALID_ARGUMENT);
    });
  });

  describe('consultations', () => {
    const open = (topic: string, opensAt: Date, closesAt: Date, p = operator, scopeNodeId = community) =>
      client.call(
        consultations.openConsultation,
        {
          scopeNodeId,
          topic,
          description: '院坝改造的意见征集',
          opensAt: timestampFromDate(opensAt),
          closesAt: timestampFromDate(closesAt),
        },
        { principal: p },
      );
    const submit = (consultationId: string, text: string, p: Principal) =>
      client.call(consultations.submitOpinion, { consultationId, text }, { principal: p });

    it('an operator with governance.write on the scope opens one; the topic is 1 to 200 characters and the window closes after it opens', async () => {
      const now = Date.now();
      const invalid = await rejection(open('', new Date(now + 60_000), new Date(now + 1_000)));
      expect(invalid.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(invalid.violations.map((v) => v.field).sort()).toEqual(['closes_at', 'topic']);
      expect((await rejection(open('x'.repeat(201), new Date(now), new Date(now + 60_000)))).code).toBe(
        ErrorCode.INVALID_ARGUMENT,
      );
      expect(
        await rejection(open('院坝改造', new Date(now), new Date(now + 60_000), residentOne)),
      ).toMatchObject({
        code: ErrorCode.NOT_FOUND,
        reason: 'NODE_NOT_FOUND',
      });
      const { consultation } = await open('院坝改造', new Date(now), new Date(now + 60_000));
      expect(consultation).toMatchObject({
        scopeNodeId: community,
        status: ConsultationStatus.OPEN,
        opinionCount: 0,
      });
    });

    it('CD-3: residents of the scope give opinions while it is open; anyone else gets CONSULTATION_NOT_FOUND; outside the window a typed error; authors are never shown', async () => {
      const now = Date.now();
      const { consultation } = await open('停车位规划', new Date(now), new Date(now + 5_000));
      const id = consultation!.id;
      const { opinion } = await submit(id, '  建议增加充电桩  ', residentOne);
      expect(opinion).toMatchObject({ consultationId: id, text: '建议增加充电桩', authorDisplay: '' });

      for (const p of [outsider, operator, who(`nobody-${s}`)]) {
        expect(await rejection(submit(id, '意见', p))).toMatchObject({
          code: ErrorCode.NOT_FOUND,
          reason: 'CONSULTATION_NOT_FOUND',
        });
      }
      expect((await rejection(submit(id, '长'.repeat(2001), residentOne))).code).toBe(
        ErrorCode.INVALID_ARGUMENT,
      );
      const later = await open('明年预算', new Date(now + 3_600_000), new Date(now + 7_200_000));
      expect(await rejection(submit(later.consultation!.id, '意见', residentOne))).toMatchObject({
        code: ErrorCode.FAILED_PRECONDITION,
        reason: 'CONSULTATION_NOT_OPEN',
      });

      // The resident sees the consultation; a resident elsewhere does not.
      const seen = await client.call(
        consultations.getConsultation,
        { consultationId: id },
        { principal: residentOne },
      );
      expect(seen.consultation).toMatchObject({ opinionCount: 1, status: ConsultationStatus.OPEN });
      expect(
        await rejection(
          client.call(consultations.getConsultation, { consultationId: id }, { principal: outsider }),
        ),
      ).toMatchObject({ reason: 'CONSULTATION_NOT_FOUND' });

      // Operators read opinions without their authors; residents do not list them.
      const page = await client.call(
        consultations.listOpinions,
        { consultationId: id },
        { principal: operator },
      );
      expect(page.opinions.map((o) => [o.text, o.authorDisplay])).toEqual([['建议增加充电桩', '']]);
      expect(JSON.stringify(toJson(ListOpinionsResponseSchema, page))).not.toContain(resident.r1);
      expect(
        await rejection(
          client.call(consultations.listOpinions, { consultationId: id }, { principal: residentOne }),
        ),
      ).toMatchObject({ reason: 'CONSULTATION_NOT_FOUND' });

      await expectEventually(
        async () =>
          expect(await rejection(submit(id, '迟到的意见', residentOne))).toMatchObject({
            code: ErrorCode.FAILED_PRECONDITION,
            reason: 'CONSULTATION_CLOSED',
          }),
        { timeoutMs: 15_000, intervalMs: 250 },
      );
    });

    it('the organiser publishes the summary after the window, to a meeting of the same scope whose agenda lists it; the decision taken on it shows', async () => {
      const now = Date.now();
      const { consultation } = await open('垃圾分类点位', new Date(now), new Date(now + 5_000));
      const id = consultation!.id;
      await submit(id, '点位远离单元门口', residentOne);
      const agendaMeeting = await openMeeting(
        community,
        [household.h1, household.h2, household.h3],
        [{ title: '垃圾分类点位', consultationId: id }],
      );
      const publish = (meetingId: string, p = operator) =>
        client.call(
          consultations.publishConsultationSummary,
          { consultationId: id, summary: '多数意见：点位远离单元门口', meetingId },
          { principal: p },
        );
      expect(await rejection(publish(agendaMeeting))).toMatchObject({
        code: ErrorCode.FAILED_PRECONDITION,
        reason: 'CONSULTATION_STILL_OPEN',
      });
      expect(await rejection(publish(agendaMeeting, otherOperator))).toMatchObject({
        code: ErrorCode.NOT_FOUND,
        reason: 'CONSULTATION_NOT_FOUND',
      });
      const { meeting: compoundMeeting } = await client.call(
        meetings.conveneMeeting,
        {
          kind: MeetingKind.COURTYARD,
          scopeNodeId: compound,
          title: '院落会',
          scheduledFor: timestampFromDate(new Date()),
          agenda: [{ title: '垃圾分类点位', consultationId: id }],
        },
        { principal: operator },
      );
      const { meeting: unrelated } = await client.call(
        meetings.conveneMeeting,
        {
          kind: MeetingKind.COURTYARD,
          scopeNodeId: community,
          title: '其他议题',
          scheduledFor: timestampFromDate(new Date()),
        },
        { principal: operator },
      );

      // Once the window has closed, the meeting is what is checked.
      await expectEventually(
        async () =>
          expect(await rejection(publish(compoundMeeting!.id))).toMatchObject({
            reason: 'MEETING_NOT_IN_SCOPE',
          }),
        { timeoutMs: 15_000, intervalMs: 250 },
      );
      expect(await rejection(publish(unrelated!.id))).toMatchObject({ reason: 'NOT_ON_AGENDA' });

      const { consultation: summarised } = await publish(agendaMeeting);
      expect(summarised).toMatchObject({
        status: ConsultationStatus.SUMMARISED,
        summary: '多数意见：点位远离单元门口',
        meetingId: agendaMeeting,
        decisionId: '',
        opinionCount: 1,
      });
      expect(await rejection(publish(agendaMeeting))).toMatchObject({
        code: ErrorCode.ALREADY_EXISTS,
        reason: 'ALREADY_SUMMARISED',
      });
      expect(await outboxCount(ConsultationSummarisedSchema.typeName)).toBe(1);
      const event = await expectEventually(() => lastEvent(ConsultationSummarisedSchema));
      expect(event).toMatchObject({
        consultationId: id,
        scopeNodeId: community,
        meetingId: agendaMeeting,
        opinionCount: 1,
      });

      // The meeting decides on the topic: the consultation shows the decision.
      const { motion } = await client.call(
        meetings.proposeMotion,
        {
          meetingId: agendaMeeting,
          title: '调整垃圾分类点位',
          kind: MotionKind.GENERAL,
          subjectRef: `consultation:${id}`,
        },
        { principal: operator },
      );
      const { motion: decided } = await client.call(
        meetings.decideMotion,
        { motionId: motion!.id, yes: 3, no: 0, abstain: 0 },
        { principal: operator },
      );
      const { consultation: after } = await client.call(
        consultations.getConsultation,
        { consultationId: id },
        { principal: residentOne },
      );
      expect(after!.decisionId).toBe(decided!.decisionId);
      expect(after!.decisionId).not.toBe('');
    });
  });
});
