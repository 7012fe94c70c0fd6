import {
  CommitteeService,
  CommitteeType,
  ElectionMode,
  ElectionService,
  ErrorCode,
  type Principal,
} from '@linli/contracts';
import { GovernanceFixture, principal, rejection, today } from './support.js';

describe('governance: proxies in village committee elections (VC-6)', () => {
  const f = new GovernanceFixture();
  let operator: Principal;
  const e = ElectionService.method;

  beforeAll(async () => {
    await f.start('gov_proxies');
    operator = f.grant('op-village', f.tree.community, [
      'governance.read',
      'governance.write',
      'governance.certify',
    ]);
    // This province publishes village rolls on the day (its own timetable, a newer version of the VC-3 parameter),
    // so that the whole proxy flow runs today.
    await f.pool.query(
      `INSERT INTO rule_parameters (key, jurisdiction, effective_from, value, rule_ids)
       VALUES ('election.roll', '*', $1, '{"publishDaysBefore":0,"objectionDays":0,"decideDays":3}', '{VC-3}')`,
      [today()],
    );
  });
  afterAll(() => f.stop());

  it('VC-6: a close relative with voting rights and a written authorisation votes for the elector; the cap holds; the list is published masked', async () => {
    const people = await f.seedHouseholds(f.tree.community, 6);
    const [holder, p1, p2, p3, p4, other] = people;
    const { committee } = await f.client.call(
      CommitteeService.method.createCommittee,
      { type: CommitteeType.VILLAGE, scopeNodeId: f.tree.community, name: '村民委员会', size: 5 },
      { principal: operator },
    );
    const { election } = await f.client.call(
      e.createElection,
      {
        scopeNodeId: f.tree.community,
        committeeId: committee!.id,
        title: '村委会主任选举',
        mode: ElectionMode.ALL_VOTERS,
        seats: 1,
        electionDay: today(),
      },
      { principal: operator },
    );
    const id = election!.id;
    await f.client.call(e.publishRoll, { electionId: id }, { principal: operator });
    const register = (who: { residents: string[] }, relation = 'spouse') =>
      f.client.call(
        e.registerProxy,
        {
          electionId: id,
          principalResidentId: who.residents[0],
          holderResidentId: holder.residents[0],
          relation,
          documentRef: `委托书-${who.residents[0].slice(-6)}`,
          principalDisplayName: '李秀英',
          holderDisplayName: '王建国',
        },
        { principal: operator },
      );
    expect((await rejection(register(p1, 'neighbour'))).code).toBe(ErrorCode.INVALID_ARGUMENT);
    await register(p1);
    await register(p2, 'parent');
    await register(p3, 'child');
    const capped = await rejection(register(p4, 'sibling'));
    expect(capped.reason).toBe('PROXY_CAP');
    expect(capped.message).toContain('VC-6');

    // The published list: who holds proxies for whom, names masked, no ids or documents.
    const { proxies } = await f.client.call(e.listProxies, { electionId: id });
    expect(proxies).toHaveLength(3);
    expect(proxies[0]).toMatchObject({
      principalDisplayName: '李**',
      holderDisplayName: '王**',
      principalResidentId: '',
      documentRef: '',
    });

    for (const [i, c] of [other, p4].entries()) {
      await f.client.call(
        e.nominateCandidate,
        { electionId: id, residentId: c.residents[0], displayName: i ? '刘丙' : '陈甲' },
        { principal: operator },
      );
    }
    const { election: open } = await f.client.call(e.openVoting, { electionId: id }, { principal: operator });
    const choice = [open!.candidates[0].id];
    const asHolder = principal(holder.subjects[0], ['resident']);
    await f.client.call(e.castBallot, { electionId: id, candidateIds: choice }, { principal: asHolder });
    await f.client.call(
      e.castBallot,
      { electionId: id, candidateIds: choice, onBehalfOfResidentId: p1.residents[0] },
      { principal: asHolder },
    );
    // Nobody else votes for p2; p1's own ballot no longer counts (one ballot per elector).
    const notHolder = await rejection(
      f.client.call(
        e.castBallot,
        { electionId: id, candidateIds: choice, onBehalfOfResidentId: p2.residents[0] },
        { principal: principal(other.subjects[0], ['resident']) },
      ),
    );
    expect(notHolder.reason).toBe('NOT_A_PROXY_HOLDER');
    const twice = await rejection(
      f.client.call(
        e.castBallot,
        { electionId: id, candidateIds: choice },
        { principal: principal(p1.subjects[0], ['resident']) },
      ),
    );
    expect(twice.reason).toBe('ALREADY_VOTED');
  });

  it('VC-6: elections of bodies whose rules allow no proxies refuse them', async () => {
    const [a, b] = await f.seedHouseholds(f.tree.compound, 2);
    const { election } = await f.client.call(
      e.createElection,
      {
        scopeNodeId: f.tree.compound,
        title: '院落代表选举',
        mode: ElectionMode.ALL_VOTERS,
        seats: 1,
        electionDay: today(),
      },
      { principal: operator },
    );
    await f.client.call(e.publishRoll, { electionId: election!.id }, { principal: operator });
    const refused = await rejection(
      f.client.call(
        e.registerProxy,
        {
          electionId: election!.id,
          principalResidentId: a.residents[0],
          holderResidentId: b.residents[0],
          relation: 'spouse',
          documentRef: '委托书',
          principalDisplayName: '甲',
          holderDisplayName: '乙',
        },
        { principal: operator },
      ),
    );
    expect(refused.reason).toBe('PROXY_NOT_ALLOWED');
  });
});
