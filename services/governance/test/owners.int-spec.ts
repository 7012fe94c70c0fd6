import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  DwellingOwnersChangedSchema,
  ErrorCode,
  MeetingKind,
  MeetingService,
  MotionKind,
  MotionOutcome,
  VoteChoice,
  type Principal,
} from '@linli/contracts';
import { encodeMessage } from '@linli/messaging';
import { newId } from '@linli/persistence';
import { expectEventually } from '@linli/testing';
import { jetstream } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { GovernanceFixture, rejection } from './support.js';

const DAY = 86_400_000;

/**
 * Owners' assembly: the roll from org's dwelling_owners_changed events (OW-1), 15 days' notice (OW-7),
 * participation by area and headcount (OW-2), the double thresholds (OW-3, OW-4) and unanimity of the affected
 * owners for a conversion (OW-5).
 */
describe("governance: owners' assembly (real PostgreSQL + NATS)", () => {
  const f = new GovernanceFixture();
  let operator: Principal;
  const [a, b, c, d, e] = Array.from({ length: 5 }, () => newId());
  const building = newId();
  const otherBuilding = newId();
  const d3 = newId();
  const m = MeetingService.method;

  beforeAll(async () => {
    await f.start('gov_owners');
    operator = f.grant('op-owners', f.tree.community, ['governance.read', 'governance.write']);
    const path = (node: string) => [...f.pathOf(f.tree.compound), node];
    // Areas in hundredths of m²: {a,b} co-own d1 and b owns d2 (one owner, 170.12 m²); c, d, e one each; the
    // developer still holds d6 in another building.
    const dwellings = [
      { id: newId(), node: building, area: 9_012n, owners: [a, b] },
      { id: newId(), node: building, area: 8_000n, owners: [b] },
      { id: d3, node: building, area: 10_050n, owners: [c] },
      { id: newId(), node: building, area: 10_000n, owners: [d] },
      { id: newId(), node: building, area: 10_000n, owners: [e] },
      { id: newId(), node: otherBuilding, area: 7_000n, owners: [] },
    ];
    const js = jetstream(f.nc);
    for (const x of dwellings) {
      const h = headers();
      h.set('ce-id', newId());
      h.set('ce-type', DwellingOwnersChangedSchema.typeName);
      const event = create(DwellingOwnersChangedSchema, {
        dwellingId: x.id,
        nodeId: x.node,
        nodePath: path(x.node),
        areaCentiM2: x.area,
        developerHeld: x.owners.length === 0,
        ownerResidentIds: x.owners,
        occurredAt: timestampFromDate(new Date()),
      });
      await js.publish(
        `${f.prefix}evt.org.v1.dwelling_owners_changed`,
        encodeMessage(DwellingOwnersChangedSchema, event),
        {
          headers: h,
        },
      );
    }
    await expectEventually(async () => {
      const { rows } = await f.pool.query(`SELECT count(*)::int AS n FROM owner_dwellings`);
      expect(rows[0].n).toBe(6);
    });
  });
  afterAll(() => f.stop());

  let meetingId: string;

  it('OW-7: an assembly is called at least 15 days ahead (the notice day not counted)', async () => {
    const convene = (noticeDaysAgo: number) =>
      f.client.call(
        m.conveneMeeting,
        {
          kind: MeetingKind.OWNERS_ASSEMBLY,
          scopeNodeId: f.tree.compound,
          title: '业主大会：维修资金续筹',
          scheduledFor: timestampFromDate(new Date()),
          noticePublishedAt: timestampFromDate(new Date(Date.now() - noticeDaysAgo * DAY)),
        },
        { principal: operator },
      );
    const late = await rejection(convene(14));
    expect(late.reason).toBe('NOTICE_PERIOD');
    expect(late.message).toContain('OW-7');
    const { meeting } = await convene(15);
    meetingId = meeting!.id;
    const { meeting: open } = await f.client.call(m.openMeeting, { meetingId }, { principal: operator });
    // OW-1: {a,b} with d1 and d2 are one owner; the developer's unit is one; 54,062 hundredths of m² in all.
    expect(open!.owners).toMatchObject({ total: { owners: 5n, areaCentiM2: 54_062n }, valid: false });
  });

  async function motion(kind: MotionKind, title: string, subjectRef = '') {
    const { motion: mo } = await f.client.call(
      m.proposeMotion,
      { meetingId, kind, title, subjectRef },
      { principal: operator },
    );
    return mo!.id;
  }
  const vote = (motionId: string, votes: Array<[string, VoteChoice]>) =>
    f.client.call(
      m.recordOwnerVotes,
      { motionId, votes: votes.map(([residentId, choice]) => ({ residentId, choice })) },
      { principal: operator },
    );
  const decide = (motionId: string) =>
    f.client.call(m.decideMotion, { motionId, yes: 0, no: 0, abstain: 0 }, { principal: operator });

  it('OW-2: 3 of 5 owners take part: 2/3 of the area but not of the headcount, so nothing is decided', async () => {
    const id = await motion(MotionKind.GENERAL, '聘请物业服务企业');
    await vote(id, [
      [b, VoteChoice.YES],
      [c, VoteChoice.YES],
      [d, VoteChoice.NO],
    ]);
    const refused = await rejection(decide(id));
    expect(refused).toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, reason: 'NOT_QUORATE' });
    expect(refused.message).toContain('OW-2');
  });

  it('OW-4: ordinary matters need more than half of participating area AND headcount', async () => {
    const id = await motion(MotionKind.GENERAL, '调整停车管理规约');
    // 4 of 5 owners take part (47,062 of 54,062). Yes: {a,b} and c = 27,062 by area (> half) but 2 of 4 owners (not > half).
    await vote(id, [
      [a, VoteChoice.YES],
      [c, VoteChoice.YES],
      [d, VoteChoice.NO],
      [e, VoteChoice.ABSTAIN],
    ]);
    const { motion: decided } = await decide(id);
    expect(decided).toMatchObject({
      outcome: MotionOutcome.REJECTED,
      ownersYes: { areaCentiM2: 27_062n, owners: 2n },
    });
    expect(decided!.explanation).toContain('OW-4');
  });

  it('OW-3: major matters need at least 3/4 of participating area AND headcount; a later vote of an owner replaces the earlier', async () => {
    const id = await motion(MotionKind.OWNERS_MAJOR_MATTER, '续筹专项维修资金');
    await vote(id, [
      [a, VoteChoice.YES],
      [c, VoteChoice.YES],
      [d, VoteChoice.NO],
      [e, VoteChoice.NO],
    ]);
    // d changes their vote: 3 of 4 owners (4*3 >= 3*4) and 37,062 of 47,062 by area (4*37,062 >= 3*47,062).
    await vote(id, [[d, VoteChoice.YES]]);
    const { motion: decided } = await decide(id);
    expect(decided).toMatchObject({
      outcome: MotionOutcome.PASSED,
      ownersYes: { areaCentiM2: 37_062n, owners: 3n },
    });
    expect(decided!.explanation).toContain('OW-3');
  });

  it('OW-5: a conversion to commercial use needs every other owner of the building; a majority is never enough', async () => {
    const first = await motion(MotionKind.USE_CONVERSION, '3号房屋改为商业用途', `dwelling:${d3}`);
    const { meeting } = await f.client.call(m.getMeeting, { meetingId }, { principal: operator });
    const proposed = meeting!.motions.find((x) => x.id === first)!;
    // The other owners in the same building: {a,b} (key a, the smaller id of the two), d and e; not the developer
    // (another building), not c (the applicant).
    expect([...proposed.affectedOwnerIds].sort()).toEqual([[a, b].sort()[0], d, e].sort());
    await vote(first, [
      [b, VoteChoice.YES],
      [c, VoteChoice.YES],
      [d, VoteChoice.YES],
      [e, VoteChoice.NO],
    ]);
    const { motion: refused } = await decide(first);
    expect(refused!.outcome).toBe(MotionOutcome.REJECTED);
    expect(refused!.explanation).toContain('OW-5');
    const second = await motion(MotionKind.USE_CONVERSION, '3号房屋改为商业用途（再议）', `dwelling:${d3}`);
    await vote(second, [
      [a, VoteChoice.YES],
      [d, VoteChoice.YES],
      [e, VoteChoice.YES],
    ]);
    expect((await decide(second)).motion!.outcome).toBe(MotionOutcome.PASSED);
  });

  it("owners' matters belong to owners' assemblies; a non-owner cannot vote", async () => {
    const notOwner = await rejection(
      vote(await motion(MotionKind.GENERAL, '其他事项'), [[newId(), VoteChoice.YES]]),
    );
    expect(notOwner.code).toBe(ErrorCode.INVALID_ARGUMENT);
    const { meeting } = await f.client.call(
      m.conveneMeeting,
      {
        kind: MeetingKind.COURTYARD,
        scopeNodeId: f.tree.compound,
        title: '坝坝会',
        scheduledFor: timestampFromDate(new Date()),
      },
      { principal: operator },
    );
    const wrong = await rejection(
      f.client.call(
        m.proposeMotion,
        { meetingId: meeting!.id, kind: MotionKind.OWNERS_MAJOR_MATTER, title: '续筹维修资金' },
        { principal: operator },
      ),
    );
    expect(wrong.reason).toBe('MOTION_KIND_NOT_FOR_MEETING');
  });
});
