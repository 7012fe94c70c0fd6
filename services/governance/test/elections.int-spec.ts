import { create, toJsonString } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  CommitteeService,
  CommitteeType,
  ElectionMode,
  ElectionService,
  ElectionStatus,
  ErrorCode,
  HouseholdRegisteredSchema,
  HouseholdsImportedSchema,
  MeetingKind,
  MeetingService,
  MemberRelation,
  MotionKind,
  MotionOutcome,
  PublicResultsSchema,
  ResidentsGroupService,
  ResidentJoinedSchema,
  SeatPosition,
  type Principal,
} from '@linli/contracts';
import { RpcError, encodeMessage } from '@linli/messaging';
import { newId } from '@linli/persistence';
import { expectEventually } from '@linli/testing';
import { jetstream } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { ElectionsService } from '../src/elections/elections.service.js';
import { GovernanceFixture, inBatches, principal, rejection, today } from './support.js';

const WRITE = ['governance.read', 'governance.write', 'governance.certify'];

describe('governance: meetings, committees and elections (real PostgreSQL + NATS)', () => {
  const f = new GovernanceFixture();
  let operator: Principal;
  let auditor: Principal;
  let cityAdmin: Principal;
  let siblingOperator: Principal;

  beforeAll(async () => {
    await f.start('gov_elections');
    operator = f.grant('op-community', f.tree.community, WRITE);
    auditor = f.grant('auditor-community', f.tree.community, ['governance.read']);
    cityAdmin = f.grant('city-admin', f.tree.city, WRITE);
    siblingOperator = f.grant('op-sibling', f.tree.sibling, WRITE);
  });
  afterAll(() => f.stop());

  const meetings = MeetingService.method;
  const elections = ElectionService.method;
  const committees = CommitteeService.method;

  async function outboxCount(type: string): Promise<number> {
    const { rows } = await f.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE type = $1`, [type]);
    return rows[0].n as number;
  }

  async function courtyardMeeting(households: Array<{ householdId: string }>, attend: number) {
    const { meeting } = await f.client.call(
      meetings.conveneMeeting,
      {
        kind: MeetingKind.COURTYARD,
        scopeNodeId: f.tree.compound,
        title: '户主坝坝会：院落改造',
        scheduledFor: timestampFromDate(new Date()),
        agenda: [{ title: '成立共建委员会' }],
      },
      { principal: operator },
    );
    await f.client.call(meetings.openMeeting, { meetingId: meeting!.id }, { principal: operator });
    for (const h of households.slice(0, attend)) {
      await f.client.call(
        meetings.recordAttendance,
        { meetingId: meeting!.id, householdId: h.householdId },
        { principal: operator },
      );
    }
    return meeting!.id;
  }

  let compoundHouseholds: Array<{ householdId: string; residents: string[]; subjects: string[] }>;
  let coBuildingId: string;

  it('RC-5: a courtyard meeting is quorate iff 2*present > households; abstentions count against; a passed motion mandates the co-building committee', async () => {
    compoundHouseholds = await f.seedHouseholds(f.tree.compound, 10);
    const meetingId = await courtyardMeeting(compoundHouseholds, 5);
    const { motion } = await f.client.call(
      meetings.proposeMotion,
      {
        meetingId,
        title: '授权成立共建委员会',
        kind: MotionKind.MANDATE_COMMITTEE,
        mandate: {
          type: CommitteeType.CO_BUILDING,
          name: '共建委员会',
          size: 5,
          termMonths: 36,
          portfolios: [],
        },
      },
      { principal: operator },
    );
    // 5 of 10 households: 2*5 > 10 is false.
    const notQuorate = await rejection(
      f.client.call(
        meetings.decideMotion,
        { motionId: motion!.id, yes: 5, no: 0, abstain: 0 },
        { principal: operator },
      ),
    );
    expect(notQuorate.reason).toBe('NOT_QUORATE');
    await f.client.call(
      meetings.recordAttendance,
      { meetingId, householdId: compoundHouseholds[5].householdId },
      { principal: operator },
    );
    // Recording the same household twice changes nothing.
    const { meeting } = await f.client.call(
      meetings.recordAttendance,
      { meetingId, householdId: compoundHouseholds[5].householdId },
      { principal: operator },
    );
    expect(meeting).toMatchObject({ presentCount: 6, baseCount: 10, quorate: true });

    // 3 yes of 6 present (2 no, 1 abstain): 2*3 > 6 is false, so it fails.
    const { motion: rejected } = await f.client.call(
      meetings.decideMotion,
      { motionId: motion!.id, yes: 3, no: 2, abstain: 1 },
      { principal: operator },
    );
    expect(rejected!.outcome).toBe(MotionOutcome.REJECTED);
    expect(rejected!.mandatedCommitteeId).toBe('');

    const { motion: again } = await f.client.call(
      meetings.proposeMotion,
      {
        meetingId,
        title: '再次表决：授权成立共建委员会',
        kind: MotionKind.MANDATE_COMMITTEE,
        mandate: {
          type: CommitteeType.CO_BUILDING,
          name: '共建委员会',
          size: 5,
          termMonths: 36,
          portfolios: [],
        },
      },
      { principal: operator },
    );
    const decided = await outboxCount('linli.governance.v1.DecisionMade');
    const { motion: passed } = await f.client.call(
      meetings.decideMotion,
      { motionId: again!.id, yes: 4, no: 1, abstain: 1 },
      { principal: operator },
    );
    expect(passed).toMatchObject({ outcome: MotionOutcome.PASSED, explanation: '2*4 > 1*6 (RC-5)' });
    coBuildingId = passed!.mandatedCommitteeId;
    const { committee } = await f.client.call(
      committees.getCommittee,
      { committeeId: coBuildingId },
      { principal: operator },
    );
    expect(committee).toMatchObject({
      type: CommitteeType.CO_BUILDING,
      size: 5,
      vacancies: 5,
      mandateDecisionId: passed!.decisionId,
      scopeNodeId: f.tree.compound,
    });
    expect(await outboxCount('linli.governance.v1.DecisionMade')).toBe(decided + 1);
  });

  it('mandated committees exist only by decision; RC-1 sizes and RC-2 terms hold for statutory committees', async () => {
    const mandated = await rejection(
      f.client.call(
        committees.createCommittee,
        { type: CommitteeType.CO_GOVERNANCE, scopeNodeId: f.tree.community, name: '共治委员会', size: 28 },
        { principal: operator },
      ),
    );
    expect(mandated.reason).toBe('MANDATE_REQUIRED');
    const tooSmall = await rejection(
      f.client.call(
        committees.createCommittee,
        { type: CommitteeType.RESIDENTS, scopeNodeId: f.tree.community, name: '居委会', size: 4 },
        { principal: operator },
      ),
    );
    expect(tooSmall).toMatchObject({ reason: 'COMMITTEE_SIZE' });
    expect(tooSmall.message).toContain('RC-1');
    const owners = await rejection(
      f.client.call(
        committees.createCommittee,
        { type: CommitteeType.OWNERS, scopeNodeId: f.tree.compound, name: '业委会', size: 6 },
        { principal: operator },
      ),
    );
    expect(owners.message).toContain('OW-10');
    const { committee } = await f.client.call(
      committees.createCommittee,
      { type: CommitteeType.RESIDENTS, scopeNodeId: f.tree.community, name: '居委会', size: 7 },
      { principal: operator },
    );
    const years = Number(committee!.termEnd.slice(0, 4)) - Number(committee!.termStart.slice(0, 4));
    expect(years).toBe(5);
    // VC-3: a statutory election's roll is published at least 20 days before the election day.
    const { election } = await f.client.call(
      elections.createElection,
      {
        scopeNodeId: f.tree.community,
        committeeId: committee!.id,
        title: '居委会换届选举',
        mode: ElectionMode.HOUSEHOLD_REPS,
        seats: 7,
        electionDay: new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10),
      },
      { principal: operator },
    );
    const late = await rejection(
      f.client.call(elections.publishRoll, { electionId: election!.id }, { principal: operator }),
    );
    expect(late.reason).toBe('ROLL_TOO_LATE');
    expect(late.message).toContain('VC-3');
    // Outside the subtree nothing exists (404, never 403).
    const hidden = await rejection(
      f.client.call(committees.getCommittee, { committeeId: committee!.id }, { principal: siblingOperator }),
    );
    expect(hidden.code).toBe(ErrorCode.NOT_FOUND);
  });

  let electionId: string;
  const receipts: Array<{ receipt: string; secret: string }> = [];

  it("RC-3/RC-4/VC-4/RC-8: an election by household representatives fills the committee's 5 seats; results are sealed until close", async () => {
    const { election } = await f.client.call(
      elections.createElection,
      {
        scopeNodeId: f.tree.compound,
        committeeId: coBuildingId,
        title: '共建委员会选举',
        mode: ElectionMode.HOUSEHOLD_REPS,
        seats: 5,
        electionDay: today(),
      },
      { principal: operator },
    );
    electionId = election!.id;
    const published = await f.client.call(elections.publishRoll, { electionId }, { principal: operator });
    expect(published.election).toMatchObject({
      status: ElectionStatus.ROLL_PUBLISHED,
      registeredElectors: 10,
    });
    const names = ['张三明', '李四', '王小五', '赵六', '钱七', '孙八'];
    for (const [i, name] of names.entries()) {
      await f.client.call(
        elections.nominateCandidate,
        {
          electionId,
          residentId: compoundHouseholds[i].residents[0],
          displayName: name,
          publicNameConsent: i === 0,
        },
        { principal: operator },
      );
    }
    const { election: open } = await f.client.call(
      elections.openVoting,
      { electionId },
      { principal: operator },
    );
    const ids = open!.candidates.map((c) => c.id);
    // 8 of 10 households vote for the first five candidates.
    for (const h of compoundHouseholds.slice(0, 8)) {
      const { receipt } = await f.client.call(
        elections.castBallot,
        { electionId, candidateIds: ids.slice(0, 5) },
        { principal: principal(h.subjects[0], ['resident']) },
      );
      receipts.push({ receipt: receipt!.receipt, secret: receipt!.secret });
    }
    // A member who is not the representative cannot vote for the household (RC-4 household mode).
    const sealed = await rejection(
      f.client.call(elections.tallyElection, { electionId }, { principal: operator }),
    );
    expect(sealed.reason).toBe('RESULTS_SEALED');
    await f.client.call(elections.closeVoting, { electionId }, { principal: operator });
    const { tally } = await f.client.call(elections.tallyElection, { electionId }, { principal: operator });
    expect(tally).toMatchObject({ registered: 10n, ballotsCast: 8n, valid: true, seatsFilled: 5 });
    expect(tally!.results.filter((r) => r.elected)).toHaveLength(5);
    const { election: certified } = await f.client.call(
      elections.certifyElection,
      { electionId },
      { principal: operator },
    );
    expect(certified!.status).toBe(ElectionStatus.CERTIFIED);
    const { committee } = await f.client.call(
      committees.getCommittee,
      { committeeId: coBuildingId },
      { principal: operator },
    );
    expect(committee!.seats).toHaveLength(5);
    expect(committee!.vacancies).toBe(0);
    expect(committee!.seats.every((s) => s.source === `election:${electionId}`)).toBe(true);

    // The notice board: names masked unless consent (PI-3), no resident ids.
    const { results } = await f.client.call(elections.getPublicResults, { electionId });
    expect(results!.elected.map((e) => e.displayName).sort()).toEqual(
      ['张三明', '李*', '王**', '赵*', '钱*'].sort(),
    );
    expect(toJsonString(PublicResultsSchema, results!)).not.toContain(compoundHouseholds[1].residents[0]);
    // Receipts: each voter's hash is in the published list, whose digest the tally carries.
    const list = await f.client.call(elections.listBallotHashes, { electionId, round: 1, limit: 100 });
    expect(list.hashes).toHaveLength(8);
    for (const r of receipts) expect(list.hashes).toContain(r.receipt);
    expect(list.digest).toBe(tally!.ballotsDigest);
  });

  it('secret ballot: who voted is stored apart from what was voted, with no column linking them', async () => {
    const { rows: participation } = await f.pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'ballot_participation'`,
    );
    const { rows: ballots } = await f.pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'ballots'`,
    );
    const p = participation.map((r) => r.column_name as string);
    const b = ballots.map((r) => r.column_name as string);
    expect(p).not.toEqual(expect.arrayContaining(['receipt']));
    expect(p.some((c) => c.includes('ballot'))).toBe(false);
    expect(b.some((c) => /voter|resident|household|cast_at|created/.test(c))).toBe(false);
    // Ballot ids are random (v4), not time-ordered.
    const { rows } = await f.pool.query(`SELECT id FROM ballots WHERE election_id = $1`, [electionId]);
    expect(rows.every((r) => (r.id as string)[14] === '4')).toBe(true);
  });

  describe('1,000 voters', () => {
    let bigElection: string;
    let voters: Array<{ subjects: string[] }>;
    let candidateIds: string[];

    beforeAll(async () => {
      voters = await f.seedHouseholds(f.tree.sibling, 1000);
      const { election } = await f.client.call(
        elections.createElection,
        {
          scopeNodeId: f.tree.sibling,
          title: '议题代表选举',
          mode: ElectionMode.ALL_VOTERS,
          seats: 1,
          electionDay: today(),
        },
        { principal: siblingOperator },
      );
      bigElection = election!.id;
      await f.client.call(elections.publishRoll, { electionId: bigElection }, { principal: siblingOperator });
      const { rows } = await f.pool.query(
        `SELECT resident_id FROM org_residents r JOIN org_households h USING (household_id)
          WHERE h.node_id = $1 LIMIT 2`,
        [f.tree.sibling],
      );
      for (const [i, r] of rows.entries()) {
        await f.client.call(
          elections.nominateCandidate,
          { electionId: bigElection, residentId: r.resident_id as string, displayName: i ? '周九' : '吴十' },
          { principal: siblingOperator },
        );
      }
      const { election: open } = await f.client.call(
        elections.openVoting,
        { electionId: bigElection },
        { principal: siblingOperator },
      );
      candidateIds = open!.candidates.map((c) => c.id);
    });

    it('5 parallel submissions each yield exactly 1,000 ballots and 4,000 clear rejections', async () => {
      let accepted = 0;
      const reasons = new Map<string, number>();
      await inBatches(
        voters.map((v, i) => ({ ...v, i })),
        40,
        async (v) => {
          const who = principal(v.subjects[0], ['resident']);
          const outcomes = await Promise.allSettled(
            Array.from({ length: 5 }, () =>
              f.client.call(
                elections.castBallot,
                { electionId: bigElection, candidateIds: [candidateIds[v.i % 2]] },
                { principal: who },
              ),
            ),
          );
          for (const o of outcomes) {
            if (o.status === 'fulfilled') accepted++;
            else {
              const e = o.reason as RpcError;
              reasons.set(`${e.code}:${e.reason}`, (reasons.get(`${e.code}:${e.reason}`) ?? 0) + 1);
            }
          }
        },
      );
      expect(accepted).toBe(1000);
      expect(Object.fromEntries(reasons)).toEqual({ [`${ErrorCode.ALREADY_EXISTS}:ALREADY_VOTED`]: 4000 });
      const { rows } = await f.pool.query(
        `SELECT (SELECT count(*)::int FROM ballots WHERE election_id = $1) AS ballots,
                (SELECT count(*)::int FROM ballot_participation WHERE election_id = $1) AS voters`,
        [bigElection],
      );
      expect(rows[0]).toEqual({ ballots: 1000, voters: 1000 });
    });

    it('a tally request before close is refused for every role, administrators included', async () => {
      const resident = principal(voters[0].subjects[0], ['resident']);
      for (const who of [cityAdmin, siblingOperator, operator, auditor, resident, undefined]) {
        const e = await rejection(
          f.client.call(elections.tallyElection, { electionId: bigElection }, { principal: who }),
        );
        expect([ErrorCode.FAILED_PRECONDITION, ErrorCode.NOT_FOUND]).toContain(e.code);
        expect(e.reason === 'RESULTS_SEALED' || e.reason === 'ELECTION_NOT_FOUND').toBe(true);
      }
      for (const who of [cityAdmin, siblingOperator]) {
        const e = await rejection(
          f.client.call(elections.tallyElection, { electionId: bigElection }, { principal: who }),
        );
        expect(e.reason).toBe('RESULTS_SEALED');
      }
      expect(
        (await rejection(f.client.call(elections.getPublicResults, { electionId: bigElection }))).code,
      ).toBe(ErrorCode.NOT_FOUND);
      expect(
        (await rejection(f.client.call(elections.listBallotHashes, { electionId: bigElection, round: 1 })))
          .reason,
      ).toBe('RESULTS_SEALED');
      const { rows } = await f.pool.query(`SELECT count(*)::int AS n FROM tallies WHERE election_id = $1`, [
        bigElection,
      ]);
      expect(rows[0].n).toBe(0);
    });

    it('a rolled-back ballot publishes nothing', async () => {
      const service = f.app.app.get(ElectionsService);
      const ds = f.app.runtime.dataSource;
      const events = await outboxCount('linli.governance.v1.BallotCast');
      const stranger = newId();
      await f.pool.query(`INSERT INTO electorate (election_id, voter_key, resident_id) VALUES ($1, $2, $2)`, [
        bigElection,
        stranger,
      ]);
      await expect(
        ds.transaction(async (m) => {
          await service.castIn(
            m,
            bigElection,
            { voterKey: stranger },
            'online',
            { candidateIds: [candidateIds[0]], previousReceiptSecret: '' },
            'f'.repeat(64),
          );
          throw new Error('the request failed after the ballot was written');
        }),
      ).rejects.toThrow('after the ballot');
      expect(await outboxCount('linli.governance.v1.BallotCast')).toBe(events);
      const { rows } = await f.pool.query(
        `SELECT (SELECT count(*)::int FROM ballots WHERE receipt = $2) AS b,
                (SELECT count(*)::int FROM ballot_participation WHERE election_id = $1 AND voter_key = $3) AS p`,
        [bigElection, 'f'.repeat(64), stranger],
      );
      expect(rows[0]).toEqual({ b: 0, p: 0 });
    });

    it('RC-8: counts 1,000 ballots; a 500/500 split is no majority, so both go to a runoff', async () => {
      await f.client.call(elections.closeVoting, { electionId: bigElection }, { principal: siblingOperator });
      const { tally } = await f.client.call(
        elections.tallyElection,
        { electionId: bigElection },
        { principal: siblingOperator },
      );
      // The roll was 1,000 when published (the rolled-back test added an elector behind its back).
      expect(tally).toMatchObject({ registered: 1000n, ballotsCast: 1000n, valid: true });
      expect(tally!.results.map((r) => r.votes).sort()).toEqual([500n, 500n]);
      // 500 of 1,000 is not more than half: nobody is elected; a runoff among both follows.
      expect(tally!.seatsFilled).toBe(0);
      expect(tally!.nextRoundCandidateIds).toHaveLength(2);
    });
  });

  it('revote: allowed by setting, the last ballot counts, and it needs the receipt secret of the one it replaces', async () => {
    const households = await f.seedHouseholds(f.tree.siblingCompound, 3);
    const { election } = await f.client.call(
      elections.createElection,
      {
        scopeNodeId: f.tree.siblingCompound,
        title: '可改票选举',
        mode: ElectionMode.ALL_VOTERS,
        seats: 1,
        electionDay: today(),
        allowRevote: true,
      },
      { principal: siblingOperator },
    );
    const id = election!.id;
    await f.client.call(elections.publishRoll, { electionId: id }, { principal: siblingOperator });
    for (const [i, h] of households.slice(0, 2).entries()) {
      await f.client.call(
        elections.nominateCandidate,
        { electionId: id, residentId: h.residents[0], displayName: i ? '郑甲' : '冯乙' },
        { principal: siblingOperator },
      );
    }
    const { election: open } = await f.client.call(
      elections.openVoting,
      { electionId: id },
      { principal: siblingOperator },
    );
    const [a, b] = open!.candidates.map((c) => c.id);
    const voter = principal(households[2].subjects[0], ['resident']);
    const first = await f.client.call(
      elections.castBallot,
      { electionId: id, candidateIds: [a] },
      { principal: voter },
    );
    const noSecret = await rejection(
      f.client.call(elections.castBallot, { electionId: id, candidateIds: [b] }, { principal: voter }),
    );
    expect(noSecret.reason).toBe('ALREADY_VOTED');
    await f.client.call(
      elections.castBallot,
      { electionId: id, candidateIds: [b], previousReceiptSecret: first.receipt!.secret },
      { principal: voter },
    );
    await f.client.call(
      elections.castBallot,
      { electionId: id, candidateIds: [b] },
      { principal: principal(households[1].subjects[0], ['resident']) },
    );
    await f.client.call(elections.closeVoting, { electionId: id }, { principal: siblingOperator });
    const { tally } = await f.client.call(
      elections.tallyElection,
      { electionId: id },
      { principal: siblingOperator },
    );
    expect(tally!.ballotsCast).toBe(2n);
    expect(tally!.results.find((r) => r.candidateId === b)).toMatchObject({ votes: 2n, elected: true });
  });

  it('VC-3: objections to the published roll are admissible in the window, block voting until decided, and an upheld one changes the roll', async () => {
    const { election } = await f.client.call(
      elections.createElection,
      {
        scopeNodeId: f.tree.siblingCompound,
        title: '异议测试选举',
        mode: ElectionMode.ALL_VOTERS,
        seats: 1,
        electionDay: today(),
      },
      { principal: siblingOperator },
    );
    const id = election!.id;
    const before = await f.seedHouseholds(f.tree.siblingCompound, 2);
    const { election: published } = await f.client.call(
      elections.publishRoll,
      { electionId: id },
      { principal: siblingOperator },
    );
    const registered = published!.registeredElectors;
    // Someone moved in after the roll was taken: a resident of the scope objects that they are missing.
    const [late] = await f.seedHouseholds(f.tree.siblingCompound, 1);
    const { objection } = await f.client.call(
      elections.lodgeRollObjection,
      { electionId: id, claim: 'add', residentId: late.residents[0], reason: '新迁入住户，未列入选民名单' },
      { principal: principal(before[0].subjects[0], ['resident']) },
    );
    expect(objection).toMatchObject({
      status: 'pending',
      decideBy: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    for (const [i, h] of before.entries()) {
      await f.client.call(
        elections.nominateCandidate,
        { electionId: id, residentId: h.residents[0], displayName: i ? '韩庚' : '杨辛' },
        { principal: siblingOperator },
      );
    }
    const blocked = await rejection(
      f.client.call(elections.openVoting, { electionId: id }, { principal: siblingOperator }),
    );
    expect(blocked.reason).toBe('OBJECTIONS_PENDING');
    // A resident of another scope sees no election.
    const stranger = await rejection(
      f.client.call(
        elections.lodgeRollObjection,
        { electionId: id, claim: 'remove', residentId: late.residents[0], reason: '不是本小区居民' },
        { principal: principal(compoundHouseholds[0].subjects[0], ['resident']) },
      ),
    );
    expect(stranger.code).toBe(ErrorCode.NOT_FOUND);
    const decided = await f.client.call(
      elections.decideRollObjection,
      { objectionId: objection!.id, upheld: true, answer: '经核实，补列入选民名单' },
      { principal: siblingOperator },
    );
    expect(decided.objection!.status).toBe('upheld');
    expect(decided.election!.registeredElectors).toBe(registered + 1);
    await f.client.call(elections.openVoting, { electionId: id }, { principal: siblingOperator });
    const closed = await rejection(
      f.client.call(
        elections.lodgeRollObjection,
        { electionId: id, claim: 'add', residentId: late.residents[0], reason: '重复' },
        { principal: principal(before[0].subjects[0], ['resident']) },
      ),
    );
    expect(closed.reason).toBe('ROLL_NOT_PUBLISHED');
    // The late resident can vote now.
    await f.client.call(
      elections.castBallot,
      { electionId: id, candidateIds: [decided.election!.candidates[0].id] },
      { principal: principal(late.subjects[0], ['resident']) },
    );
  });

  it('paper ballots by tellers: one ballot per household counts; a second one is a recorded conflict', async () => {
    const { election } = await f.client.call(
      elections.createElection,
      {
        scopeNodeId: f.tree.compound,
        title: '纸质票测试',
        mode: ElectionMode.HOUSEHOLD_REPS,
        seats: 1,
        electionDay: today(),
      },
      { principal: operator },
    );
    const id = election!.id;
    await f.client.call(elections.publishRoll, { electionId: id }, { principal: operator });
    for (const [i, h] of compoundHouseholds.slice(0, 2).entries()) {
      await f.client.call(
        elections.nominateCandidate,
        { electionId: id, residentId: h.residents[0], displayName: i ? '陈丙' : '褚丁' },
        { principal: operator },
      );
    }
    const { election: open } = await f.client.call(
      elections.openVoting,
      { electionId: id },
      { principal: operator },
    );
    const h = compoundHouseholds[3];
    await f.client.call(
      elections.castBallot,
      { electionId: id, candidateIds: [open!.candidates[0].id] },
      { principal: principal(h.subjects[0], ['resident']) },
    );
    const paper = await f.client.call(
      elections.recordPaperBallot,
      { electionId: id, channel: 2, householdId: h.householdId, candidateIds: [open!.candidates[1].id] },
      { principal: operator },
    );
    expect(paper).toMatchObject({ counted: false });
    const { rows } = await f.pool.query(
      `SELECT existing_channel, attempted_channel FROM ballot_conflicts WHERE id = $1`,
      [paper.conflictId],
    );
    expect(rows[0]).toEqual({ existing_channel: 'online', attempted_channel: 'paper' });
    const other = await f.client.call(
      elections.recordPaperBallot,
      {
        electionId: id,
        channel: 2,
        householdId: compoundHouseholds[4].householdId,
        candidateIds: [open!.candidates[1].id],
      },
      { principal: operator },
    );
    expect(other.counted).toBe(true);
  });

  it("RC-4: GROUP_REPS elections: 2 or 3 representatives per residents' group are the electorate", async () => {
    const groups = ResidentsGroupService.method;
    await f.registerUnit(f.tree.community, 'community');
    await f.registerUnit(f.tree.compound, 'compound');
    const { group } = await f.client.call(
      groups.createResidentsGroup,
      { scopeNodeId: f.tree.community, name: '第一居民小组', nodeIds: [f.tree.compound] },
      { principal: operator },
    );
    const one = await rejection(
      f.client.call(
        groups.setGroupRepresentatives,
        { groupId: group!.id, representativeIds: [compoundHouseholds[0].residents[0]] },
        { principal: operator },
      ),
    );
    expect(one.code).toBe(ErrorCode.INVALID_ARGUMENT);
    const outsider = await f.seedHouseholds(f.tree.sibling, 1);
    const notLiving = await rejection(
      f.client.call(
        groups.setGroupRepresentatives,
        {
          groupId: group!.id,
          representativeIds: [compoundHouseholds[0].residents[0], outsider[0].residents[0]],
        },
        { principal: operator },
      ),
    );
    expect(notLiving.reason).toBe('NOT_A_GROUP_RESIDENT');
    const reps = [compoundHouseholds[6].residents[0], compoundHouseholds[7].residents[0]];
    await f.client.call(
      groups.setGroupRepresentatives,
      { groupId: group!.id, representativeIds: reps },
      { principal: operator },
    );
    const { election } = await f.client.call(
      elections.createElection,
      {
        scopeNodeId: f.tree.community,
        title: '居民小组代表选举',
        mode: ElectionMode.GROUP_REPS,
        seats: 1,
        electionDay: today(),
      },
      { principal: operator },
    );
    const { election: published } = await f.client.call(
      elections.publishRoll,
      { electionId: election!.id },
      { principal: operator },
    );
    expect(published!.registeredElectors).toBe(2);
    for (const [i, r] of reps.entries()) {
      await f.client.call(
        elections.nominateCandidate,
        { electionId: election!.id, residentId: r, displayName: i ? '蒋戊' : '沈己' },
        { principal: operator },
      );
    }
    const { election: open } = await f.client.call(
      elections.openVoting,
      { electionId: election!.id },
      { principal: operator },
    );
    await f.client.call(
      elections.castBallot,
      { electionId: election!.id, candidateIds: [open!.candidates[0].id] },
      { principal: principal(compoundHouseholds[6].subjects[0], ['resident']) },
    );
    // A resident who is not a group representative is not on the roll: the election does not exist for them.
    const notOnRoll = await rejection(
      f.client.call(
        elections.castBallot,
        { electionId: election!.id, candidateIds: [open!.candidates[0].id] },
        { principal: principal(compoundHouseholds[2].subjects[0], ['resident']) },
      ),
    );
    expect(notOnRoll.code).toBe(ErrorCode.NOT_FOUND);
  });

  it('a co-governance committee of 28 is mandated and gets its portfolios', async () => {
    const members = await f.seedHouseholds(f.tree.community, 28);
    const { meeting } = await f.client.call(
      meetings.conveneMeeting,
      {
        kind: MeetingKind.COURTYARD,
        scopeNodeId: f.tree.community,
        title: '共治委员会成立大会',
        scheduledFor: timestampFromDate(new Date()),
      },
      { principal: operator },
    );
    await f.client.call(meetings.openMeeting, { meetingId: meeting!.id }, { principal: operator });
    const { rows } = await f.pool.query(
      `SELECT count(*)::int AS n FROM org_households WHERE node_path @> ARRAY[$1]::uuid[]`,
      [f.tree.community],
    );
    const needed = Math.floor(rows[0].n / 2) + 1;
    const all = [...members, ...compoundHouseholds];
    for (const h of all.slice(0, needed)) {
      await f.client.call(
        meetings.recordAttendance,
        { meetingId: meeting!.id, householdId: h.householdId },
        { principal: operator },
      );
    }
    const portfolios = ['flowers', 'water_resources', 'sanitation', 'vehicles', 'greening'];
    const { motion } = await f.client.call(
      meetings.proposeMotion,
      {
        meetingId: meeting!.id,
        title: '授权成立共治委员会（28人）',
        kind: MotionKind.MANDATE_COMMITTEE,
        mandate: {
          type: CommitteeType.CO_GOVERNANCE,
          name: '共治委员会',
          size: 28,
          termMonths: 24,
          portfolios,
        },
      },
      { principal: operator },
    );
    const { motion: passed } = await f.client.call(
      meetings.decideMotion,
      { motionId: motion!.id, yes: needed, no: 0, abstain: 0 },
      { principal: operator },
    );
    const committeeId = passed!.mandatedCommitteeId;
    for (const [i, h] of members.entries()) {
      await f.client.call(
        committees.appointSeat,
        {
          committeeId,
          residentId: h.residents[0],
          displayName: `成员${i + 1}`,
          position: i === 0 ? SeatPosition.CHAIR : SeatPosition.MEMBER,
          portfolio: portfolios[i % portfolios.length],
          decisionId: passed!.decisionId,
        },
        { principal: operator },
      );
    }
    const { committee } = await f.client.call(
      committees.getCommittee,
      { committeeId },
      { principal: operator },
    );
    expect(committee!.seats).toHaveLength(28);
    expect(committee!.vacancies).toBe(0);
    const byPortfolio = new Map<string, number>();
    for (const s of committee!.seats) byPortfolio.set(s.portfolio, (byPortfolio.get(s.portfolio) ?? 0) + 1);
    expect([...byPortfolio.keys()].sort()).toEqual([...portfolios].sort());
    // A 29th member has no seat; a second chair is refused by the database.
    const extra = await f.seedHouseholds(f.tree.community, 1);
    const full = await rejection(
      f.client.call(
        committees.appointSeat,
        {
          committeeId,
          residentId: extra[0].residents[0],
          displayName: '多余',
          position: SeatPosition.MEMBER,
          decisionId: passed!.decisionId,
        },
        { principal: operator },
      ),
    );
    expect(full.reason).toBe('NO_VACANCY');
    // Resignation leaves a vacancy and stays in the roster history.
    const seat = committee!.seats[5];
    const after = await f.client.call(
      committees.endSeat,
      { committeeId, seatId: seat.id, reason: 'resigned' },
      { principal: operator },
    );
    expect(after.committee!.vacancies).toBe(1);
    const { seats } = await f.client.call(
      committees.getRoster,
      { committeeId, on: '' },
      { principal: auditor },
    );
    expect(seats.find((s) => s.id === seat.id)).toMatchObject({ endReason: 'resigned' });
  });

  it('a retried command (same Idempotency-Key) is answered from its first run, not run twice', async () => {
    const body = {
      scopeNodeId: f.tree.compound,
      title: '重试测试选举',
      mode: ElectionMode.ALL_VOTERS,
      seats: 1,
      electionDay: today(),
    };
    const key = `retry-${newId()}`;
    const results = await Promise.allSettled([
      f.client.call(elections.createElection, body, { principal: operator, requestId: key }),
      f.client.call(elections.createElection, body, { principal: operator, requestId: key }),
    ]);
    const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(done.length).toBeGreaterThanOrEqual(1);
    const first = done[0];
    // Concurrent duplicates: one runs, the other is answered or told to retry (CONFLICT), never run twice.
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as RpcError).reason).toBe('REQUEST_IN_PROGRESS');
    const again = await f.client.call(elections.createElection, body, {
      principal: operator,
      requestId: key,
    });
    expect(again.election!.id).toBe(first.election!.id);
    const { rows } = await f.pool.query(
      `SELECT count(*)::int AS n FROM elections WHERE title = '重试测试选举'`,
    );
    expect(rows[0].n).toBe(1);
    // The same key with a different body is a different request.
    const other = await f.client.call(
      elections.createElection,
      { ...body, seats: 2 },
      { principal: operator, requestId: key },
    );
    expect(other.election!.id).not.toBe(first.election!.id);
    // A failed command keeps nothing: its retry runs again (and fails again here).
    const bad = { ...body, scopeNodeId: f.tree.sibling };
    expect(
      (await rejection(f.client.call(elections.createElection, bad, { principal: operator, requestId: key })))
        .code,
    ).toBe(ErrorCode.NOT_FOUND);
    expect(
      (await rejection(f.client.call(elections.createElection, bad, { principal: operator, requestId: key })))
        .code,
    ).toBe(ErrorCode.NOT_FOUND);
  });

  it('a bulk import batch (evt.org.v1.households_imported) projects like its households and residents one by one', async () => {
    const [h1, h2] = [newId(), newId()];
    const [head, spouse, child, earlier] = [newId(), newId(), newId(), newId()];
    const old = new Date(Date.now() - 86_400_000);
    // A newer fact already projected: this resident moved after the import (the batch must not undo that).
    const js = jetstream(f.nc);
    const publish = async (subject: string, bytes: Uint8Array, type: string) => {
      const h = headers();
      h.set('ce-id', newId());
      h.set('ce-type', type);
      await js.publish(`${f.prefix}${subject}`, bytes, { headers: h });
    };
    const later = create(ResidentJoinedSchema, {
      householdId: h2,
      residentId: earlier,
      relation: MemberRelation.HEAD,
      adultOn: '1990-01-01',
      occurredAt: timestampFromDate(new Date()),
    });
    await publish(
      'evt.org.v1.resident_joined',
      encodeMessage(ResidentJoinedSchema, later),
      ResidentJoinedSchema.typeName,
    );
    const batch = create(HouseholdsImportedSchema, {
      jobId: newId(),
      places: [
        {
          nodeId: f.tree.siblingCompound,
          nodePath: f.pathOf(f.tree.siblingCompound),
          householdIds: [h1, h2],
        },
      ],
      residents: [
        { householdId: h1, residentId: head, relation: MemberRelation.HEAD, adultOn: '1990-02-02' },
        { householdId: h1, residentId: spouse, relation: MemberRelation.SPOUSE, adultOn: '1991-03-03' },
        { householdId: h1, residentId: child, relation: MemberRelation.CHILD, adultOn: '2031-04-04' },
        { householdId: h1, residentId: earlier, relation: MemberRelation.SPOUSE, adultOn: '1990-01-01' },
      ],
      occurredAt: timestampFromDate(old),
    });
    await publish(
      'evt.org.v1.households_imported',
      encodeMessage(HouseholdsImportedSchema, batch),
      HouseholdsImportedSchema.typeName,
    );
    await expectEventually(async () => {
      const { rows } = await f.pool.query(
        `SELECT r.resident_id, r.household_id, r.head, to_char(r.adult_on, 'YYYY-MM-DD') AS adult_on,
                h.node_id, h.node_path
           FROM org_residents r LEFT JOIN org_households h USING (household_id)
          WHERE r.resident_id = ANY($1::uuid[]) ORDER BY r.adult_on`,
        [[head, spouse, child, earlier]],
      );
      const compound = { node_id: f.tree.siblingCompound, node_path: f.pathOf(f.tree.siblingCompound) };
      expect(rows).toEqual([
        { resident_id: earlier, household_id: h2, head: true, adult_on: '1990-01-01', ...compound },
        { resident_id: head, household_id: h1, head: true, adult_on: '1990-02-02', ...compound },
        { resident_id: spouse, household_id: h1, head: false, adult_on: '1991-03-03', ...compound },
        { resident_id: child, household_id: h1, head: false, adult_on: '2031-04-04', ...compound },
      ]);
    });
  });

  it('an org event delivered twice changes the electorate once (inbox + idempotent projection)', async () => {
    const householdId = newId();
    const residentId = newId();
    const js = jetstream(f.nc);
    async function deliver(
      subject: string,
      schema: typeof HouseholdRegisteredSchema | typeof ResidentJoinedSchema,
      event: never,
      id: string,
    ) {
      const h = headers();
      h.set('ce-id', id);
      h.set('ce-type', schema.typeName);
      await js.publish(`${f.prefix}${subject}`, encodeMessage(schema, event), { headers: h });
    }
    const registered = create(HouseholdRegisteredSchema, {
      householdId,
      nodeId: f.tree.siblingCompound,
      nodePath: f.pathOf(f.tree.siblingCompound),
      occurredAt: timestampFromDate(new Date()),
    });
    const joined = create(ResidentJoinedSchema, {
      householdId,
      residentId,
      relation: MemberRelation.HEAD,
      adultOn: '2000-05-01',
      occurredAt: timestampFromDate(new Date()),
    });
    const [e1, e2] = [newId(), newId()];
    for (let i = 0; i < 2; i++) {
      await deliver('evt.org.v1.resident_joined', ResidentJoinedSchema, joined as never, e2);
      await deliver('evt.org.v1.household_registered', HouseholdRegisteredSchema, registered as never, e1);
    }
    await expectEventually(async () => {
      const { rows } = await f.pool.query(
        `SELECT (SELECT count(*)::int FROM org_households WHERE household_id = $1) AS h,
                (SELECT count(*)::int FROM org_residents WHERE resident_id = $2) AS r,
                (SELECT count(*)::int FROM inbox WHERE event_id = ANY($3::uuid[])) AS inbox`,
        [householdId, residentId, [e1, e2]],
      );
      expect(rows[0]).toEqual({ h: 1, r: 1, inbox: 2 });
    });
    const { rows } = await f.pool.query(
      `SELECT head, to_char(adult_on, 'YYYY-MM-DD') AS adult_on, left_at FROM org_residents WHERE resident_id = $1`,
      [residentId],
    );
    expect(rows[0]).toEqual({ head: true, adult_on: '2000-05-01', left_at: null });
  });
});
