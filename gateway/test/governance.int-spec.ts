import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  BallotChannel,
  CommitteeService,
  CommitteeType,
  ConsultationService,
  ConsultationStatus,
  ElectionMode,
  ElectionService,
  ElectionStatus,
  ErrorCode,
  HonourService,
  HouseholdService,
  MeetingKind,
  MeetingService,
  MeetingStatus,
  AttendanceBase,
  MotionKind,
  MotionOutcome,
  SeatPosition,
} from '@linli/contracts';
import { RpcError, RpcServer } from '@linli/messaging';
import { natsUrl, startTestIssuer, testLogger, uniqueSuffix, type TestIssuer } from '@linli/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import request from 'supertest';
import { gatewayConfig } from '../src/config.js';
import { startGateway, type GatewayApp } from '../src/gateway.app.js';

const NODE = '0191a000-0000-7000-8000-000000000201';
const COMMITTEE = '0191a000-0000-7000-8000-000000000202';
const SEAT = '0191a000-0000-7000-8000-000000000203';
const RESIDENT = '0191a000-0000-7000-8000-000000000204';
const DECISION = '0191a000-0000-7000-8000-000000000205';
const MEETING = '0191a000-0000-7000-8000-000000000206';
const MOTION = '0191a000-0000-7000-8000-000000000207';
const ELECTION = '0191a000-0000-7000-8000-000000000208';
const CANDIDATE = '0191a000-0000-7000-8000-000000000209';
const HOUSEHOLD = '0191a000-0000-7000-8000-00000000020a';
const SCHEME = '0191a000-0000-7000-8000-00000000020b';
const NOMINATION = '0191a000-0000-7000-8000-00000000020c';
const CONSULTATION = '0191a000-0000-7000-8000-00000000020d';
const CREATED_AT = new Date('2026-03-01T02:03:04.000Z');

interface Call {
  subject: string;
  principal?: string;
  requestId?: string;
  body: Record<string, unknown>;
}

/**
 * The governance routes against real NATS and a real JWKS, with stand-in responders on the governance RPC
 * subjects: what reaches each subject (principal, request id, mapped payload) and what the client gets back.
 */
describe('gateway: governance routes (real NATS, real JWKS, stand-in services)', () => {
  let idp: TestIssuer;
  let gw: GatewayApp;
  let nc: NatsConnection;
  let services: RpcServer;
  let prefix: string;
  const calls: Call[] = [];
  let nextError: RpcError | undefined;

  const committee = () => ({
    id: COMMITTEE,
    type: CommitteeType.CO_BUILDING,
    scopeNodeId: NODE,
    name: '下涧槽社区共建委员会',
    size: 7,
    termStart: '2026-07-01',
    termEnd: '2029-07-01',
    mandateDecisionId: DECISION,
    portfolios: ['flowers', 'sanitation'],
    seats: [
      {
        id: SEAT,
        position: SeatPosition.CHAIR,
        portfolio: '',
        residentId: RESIDENT,
        displayName: '刘*国',
        validFrom: '2026-07-01',
        validTo: '',
        source: `decision:${DECISION}`,
        endReason: '',
      },
    ],
    vacancies: 6,
    version: 3n,
    createdAt: timestampFromDate(CREATED_AT),
  });

  const motion = () => ({
    id: MOTION,
    meetingId: MEETING,
    title: '成立共建委员会',
    kind: MotionKind.MANDATE_COMMITTEE,
    mandate: { type: CommitteeType.CO_BUILDING, name: '共建委员会', size: 7, termMonths: 36, portfolios: [] },
    yes: 31,
    no: 9,
    abstain: 5,
    outcome: MotionOutcome.PASSED,
    decisionId: DECISION,
    mandatedCommitteeId: COMMITTEE,
    explanation: '2*31 > 45 (RC-5)',
  });

  const meeting = () => ({
    id: MEETING,
    kind: MeetingKind.COURTYARD,
    scopeNodeId: NODE,
    title: '三月户主坝坝会',
    scheduledFor: timestampFromDate(new Date('2026-03-15T11:30:00Z')),
    agenda: [{ title: '停车位', consultationId: CONSULTATION }],
    status: MeetingStatus.SCHEDULED,
    base: AttendanceBase.HOUSEHOLDS,
    rules: {
      quorum: { numerator: 1, denominator: 2, strict: true, rule: 'custom' },
      decision: { numerator: 1, denominator: 2, strict: true, rule: 'custom' },
      noticeDays: 3,
    },
    motions: [motion()],
    version: 1n,
  });

  const election = () => ({
    id: ELECTION,
    scopeNodeId: NODE,
    committeeId: COMMITTEE,
    title: '第十二届居民委员会选举',
    mode: ElectionMode.HOUSEHOLD_REPS,
    seats: 7,
    electionDay: '2026-06-20',
    status: ElectionStatus.RUNOFF_REQUIRED,
    rollPublishedAt: timestampFromDate(CREATED_AT),
    objectionDeadline: '2026-06-10',
    registeredElectors: 412,
    round: 2,
    seatsOpen: 1,
    candidates: [
      { id: CANDIDATE, residentId: RESIDENT, displayName: '王*芳', publicNameConsent: false, rounds: [1, 2] },
    ],
    version: 5n,
  });

  const tally = () => ({
    electionId: ELECTION,
    round: 1,
    registered: 412n,
    ballotsCast: 300n,
    valid: true,
    results: [
      { candidateId: CANDIDATE, displayName: '王*芳', votes: 201n, elected: true, reason: 'majority' },
    ],
    seatsFilled: 6,
    nextRoundCandidateIds: [CANDIDATE],
    ballotsDigest: 'ab'.repeat(32),
    rule: 'RC-8',
  });

  const award = () => ({
    schemeId: SCHEME,
    schemeTitle: '最美家庭',
    period: '2026-03',
    nominationId: NOMINATION,
    displayName: '张*明家庭',
    meetingId: MEETING,
    votes: 23,
    awardedAt: timestampFromDate(CREATED_AT),
  });

  const consultation = () => ({
    id: CONSULTATION,
    scopeNodeId: NODE,
    topic: '停车位划线',
    description: '',
    opensAt: timestampFromDate(CREATED_AT),
    closesAt: timestampFromDate(new Date('2026-04-01T00:00:00Z')),
    status: ConsultationStatus.OPEN,
    opinionCount: 0,
  });

  function stand<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    reply: (req: MessageShape<I>) => MessageInitShape<O>,
  ) {
    services.handle(method, async (req, ctx) => {
      calls.push({
        subject: ctx.subject,
        principal: ctx.principal?.subject,
        requestId: ctx.requestId,
        body: req as unknown as Record<string, unknown>,
      });
      const e = nextError;
      nextError = undefined;
      if (e) throw e;
      return reply(req);
    });
  }

  beforeAll(async () => {
    idp = await startTestIssuer();
    prefix = `t${uniqueSuffix()}.`;
    nc = await connect({ servers: natsUrl });
    services = new RpcServer(nc, { queue: 'stand-in', logger: testLogger(), subjectPrefix: prefix });
    const c = CommitteeService.method;
    stand(c.createCommittee, () => ({ committee: committee() }));
    stand(c.getCommittee, () => ({ committee: committee() }));
    stand(c.listCommittees, () => ({ committees: [committee()], nextCursor: '' }));
    stand(c.appointSeat, () => ({ committee: committee() }));
    stand(c.assignPortfolio, () => ({ committee: committee() }));
    stand(c.endSeat, () => ({ committee: committee() }));
    stand(c.getRoster, () => ({ seats: committee().seats }));
    const m = MeetingService.method;
    stand(m.conveneMeeting, () => ({ meeting: meeting() }));
    stand(m.recordAttendance, () => ({ meeting: meeting() }));
    stand(m.proposeMotion, () => ({ motion: motion() }));
    stand(m.decideMotion, () => ({ motion: motion() }));
    stand(m.closeMeeting, () => ({ meeting: meeting() }));
    const e = ElectionService.method;
    stand(e.createElection, () => ({ election: election() }));
    stand(e.getElection, () => ({ election: election() }));
    stand(e.castBallot, () => ({
      receipt: { electionId: ELECTION, round: 2, receipt: 'cd'.repeat(32), secret: 's3cr3t-s3cr3t-s3cr3t' },
    }));
    stand(e.recordPaperBallot, () => ({ counted: false, receipt: '', conflictId: DECISION }));
    stand(e.closeVoting, () => ({ election: election() }));
    stand(e.tallyElection, () => ({ tally: tally(), election: election() }));
    stand(e.getMyVoterStatus, () => ({ onRoll: true, voted: false, round: 2 }));
    stand(e.getPublicResults, () => ({
      results: {
        electionId: ELECTION,
        title: '第十二届居民委员会选举',
        scopeNodeId: NODE,
        seats: 7,
        rounds: [tally()],
        elected: [
          { candidateId: CANDIDATE, residentId: RESIDENT, displayName: '王*芳', votes: 201n, round: 1 },
        ],
        certifiedAt: timestampFromDate(CREATED_AT),
      },
    }));
    stand(e.listBallotHashes, (req) => ({
      hashes: ['aa'.repeat(32), 'bb'.repeat(32)],
      nextCursor: req.cursor ? '' : 'page-2',
      digest: 'ef'.repeat(32),
    }));
    const h = HonourService.method;
    stand(h.createHonourScheme, (req) => ({
      scheme: {
        id: SCHEME,
        scopeNodeId: NODE,
        title: req.title,
        honouree: req.honouree,
        nominationsPerUnit: 1,
      },
    }));
    stand(h.listHonourNominations, (req) => ({
      nominations: [
        {
          id: NOMINATION,
          schemeId: SCHEME,
          period: req.period,
          unitNodeId: NODE,
          householdId: HOUSEHOLD,
          displayName: '张*明家庭',
          votes: 0,
        },
      ],
    }));
    stand(h.awardHonour, (req) => (req.votes.length > 1 ? { award: award(), tie: false } : { tie: true }));
    stand(h.getHonourRoll, () => ({ awards: [award()], nextCursor: '' }));
    const k = ConsultationService.method;
    stand(k.openConsultation, () => ({ consultation: consultation() }));
    stand(k.listOpinions, () => ({
      opinions: [
        {
          id: NOMINATION,
          consultationId: CONSULTATION,
          text: '建议增设非机动车停放区',
          submittedAt: timestampFromDate(CREATED_AT),
          authorDisplay: '张*明',
        },
      ],
      nextCursor: 'next',
    }));
    stand(HouseholdService.method.linkResidentAccount, () => ({}));
    await nc.flush();
    gw = await startGateway(
      gatewayConfig({
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        NATS_URL: natsUrl,
        NATS_SUBJECT_PREFIX: prefix,
        OIDC_ISSUER: idp.issuer,
        RPC_TIMEOUT_MS: '2000',
        OIDC_JWKS_COOLDOWN_MS: '0',
        LOG_LEVEL: 'silent',
      }),
      { logger: testLogger('gateway') },
    );
  });

  afterAll(async () => {
    await gw?.stop();
    await services?.drain();
    await nc?.close();
    await idp?.close();
  });

  const api = () => request(gw.url);
  const bearer = async (claims = {}) => `Bearer ${await idp.token(claims)}`;
  const lastCall = () => calls[calls.length - 1];
  const subject = (name: string) => `${prefix}rpc.${name}`;

  function expectProblem(res: request.Response, status: number, code?: string) {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status,
      title: expect.any(String),
      type: expect.stringMatching(/^https:/),
    });
    if (code) expect(res.body.code).toBe(code);
  }

  const fields = (res: request.Response) =>
    [...new Set((res.body.errors as Array<{ field: string }>).map((e) => e.field))].sort();

  describe('validation: 400 problem+json naming the field, before any service is called', () => {
    const cases: Array<[string, 'get' | 'post' | 'put', string, object | undefined, string[]]> = [
      [
        'committee: unknown type, bad UUID, empty name, size 0, 30 February, bad portfolio key, unknown field',
        'post',
        '/v1/governance/committees',
        {
          type: 'castle',
          scopeNodeId: 'x',
          name: '',
          size: 0,
          termStart: '2026-02-30',
          portfolios: ['Water Resources'],
          extra: 1,
        },
        ['extra', 'name', 'portfolios', 'scopeNodeId', 'size', 'termStart', 'type'],
      ],
      [
        'roster: month 13',
        'get',
        `/v1/governance/committees/${COMMITTEE}/roster?on=2026-13-01`,
        undefined,
        ['on'],
      ],
      [
        'end seat: term_ended is the service’s own reason',
        'post',
        `/v1/governance/committees/${COMMITTEE}/seats/${SEAT}/end`,
        { reason: 'term_ended' },
        ['reason'],
      ],
      [
        'seat: position in upper case',
        'post',
        `/v1/governance/committees/${COMMITTEE}/seats`,
        { residentId: RESIDENT, displayName: '刘建国', position: 'CHAIR', decisionId: DECISION },
        ['position'],
      ],
      [
        'portfolio: seat id not a UUID',
        'put',
        `/v1/governance/committees/${COMMITTEE}/seats/not-a-seat/portfolio`,
        { portfolio: 'greening' },
        ['seatId'],
      ],
      [
        'meeting: time without an offset, agenda item without a title, threshold out of range',
        'post',
        '/v1/governance/meetings',
        {
          kind: 'COURTYARD',
          scopeNodeId: NODE,
          title: '坝坝会',
          scheduledFor: '2026-03-15T19:30:00',
          agenda: [{ title: '' }],
          customRules: {
            quorum: { numerator: 0, denominator: 2, strict: true },
            decision: {},
            noticeDays: 3,
          },
        },
        [
          'agenda.0.title',
          'customRules.decision.denominator',
          'customRules.decision.numerator',
          'customRules.decision.strict',
          'customRules.quorum.numerator',
          'kind',
          'scheduledFor',
        ],
      ],
      [
        'attendance: neither household nor resident',
        'post',
        `/v1/governance/meetings/${MEETING}/attendance`,
        {},
        ['householdId'],
      ],
      [
        'motion: mandate_committee without its mandate',
        'post',
        `/v1/governance/meetings/${MEETING}/motions`,
        { title: '成立共建委员会', kind: 'mandate_committee' },
        ['mandate'],
      ],
      [
        'vote counts: negative and fractional',
        'post',
        `/v1/governance/motions/${MOTION}/decision`,
        { yes: -1, no: 1.5, abstain: 0 },
        ['no', 'yes'],
      ],
      [
        'election: unknown mode, zero seats, day without zero padding',
        'post',
        '/v1/governance/elections',
        {
          scopeNodeId: NODE,
          committeeId: COMMITTEE,
          title: '选举',
          mode: 'everyone',
          seats: 0,
          electionDay: '2026-6-20',
        },
        ['electionDay', 'mode', 'seats'],
      ],
      [
        'ballot: more than 50 choices, duplicates, not UUIDs',
        'post',
        `/v1/governance/elections/${ELECTION}/ballots`,
        { candidateIds: Array.from({ length: 51 }, () => 'x') },
        ['candidateIds'],
      ],
      [
        'paper ballot: online is not a teller channel',
        'post',
        `/v1/governance/elections/${ELECTION}/paper-ballots`,
        { channel: 'online', householdId: HOUSEHOLD, candidateIds: [CANDIDATE] },
        ['channel'],
      ],
      [
        'roll objection: unknown claim',
        'post',
        `/v1/governance/elections/${ELECTION}/roll-objections`,
        { claim: 'maybe', residentId: RESIDENT, reason: '已迁出' },
        ['claim'],
      ],
      [
        'nominations: period 2026-3',
        'get',
        `/v1/governance/honour-schemes/${SCHEME}/nominations?period=2026-3`,
        undefined,
        ['period'],
      ],
      [
        'award: no votes',
        'post',
        `/v1/governance/honour-schemes/${SCHEME}/awards`,
        { period: '2026-03', meetingId: MEETING, votes: [] },
        ['votes'],
      ],
      [
        'consultation: closesAt not a date-time',
        'post',
        '/v1/governance/consultations',
        { scopeNodeId: NODE, topic: '停车', closesAt: 'next week' },
        ['closesAt'],
      ],
      ['list: limit 0', 'get', `/v1/governance/nodes/${NODE}/committees?limit=0`, undefined, ['limit']],
      ['path: not a UUID', 'get', '/v1/governance/elections/42', undefined, ['id']],
      [
        'account: subject with spaces',
        'put',
        `/v1/org/residents/${RESIDENT}/account`,
        { subject: 'not a subject' },
        ['subject'],
      ],
      [
        'public ballot hashes: round 0',
        'get',
        `/v1/public/elections/${ELECTION}/ballot-hashes?round=0`,
        undefined,
        ['round'],
      ],
    ];
    it.each(cases)('%s', async (_, method, path, body, expected) => {
      const before = calls.length;
      let req = api()
        [method](path)
        .set('authorization', await bearer());
      if (body) req = req.send(body);
      const res = await req;
      expectProblem(res, 400, 'INVALID_ARGUMENT');
      expect(fields(res)).toEqual(expected);
      expect(calls.length).toBe(before);
    });
  });

  it.each([
    ['post', '/v1/governance/committees'],
    ['get', `/v1/governance/committees/${COMMITTEE}`],
    ['post', `/v1/governance/elections/${ELECTION}/ballots`],
    ['get', `/v1/governance/elections/${ELECTION}/my-status`],
    ['get', `/v1/governance/honour-schemes/${SCHEME}/nominations?period=2026-03`],
    ['post', `/v1/governance/consultations/${CONSULTATION}/opinions`],
    ['put', `/v1/org/residents/${RESIDENT}/account`],
  ] as const)('401 problem+json without a token: %s %s', async (method, path) => {
    const before = calls.length;
    const req = api()[method](path);
    const res = await (method === 'get' ? req : req.send({}));
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="linli"/);
    expect(calls.length).toBe(before);
  });

  it('POST /committees: 201 + Location; enum, dates and the Idempotency-Key reach create_committee', async () => {
    const res = await api()
      .post('/v1/governance/committees')
      .set('authorization', await bearer({ sub: 'op-1' }))
      .set('x-request-id', 'req-1')
      .set('idempotency-key', 'committee-1')
      .send({
        type: 'co_building',
        scopeNodeId: NODE,
        name: '下涧槽社区共建委员会',
        size: 7,
        termStart: '2026-07-01',
        mandateDecisionId: DECISION,
        portfolios: ['flowers', 'sanitation'],
      });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/governance/committees/${COMMITTEE}`);
    expect(lastCall()).toMatchObject({
      subject: subject('governance.v1.create_committee'),
      principal: 'op-1',
      requestId: 'committee-1',
      body: {
        type: CommitteeType.CO_BUILDING,
        scopeNodeId: NODE,
        termStart: '2026-07-01',
        termEnd: '',
        portfolios: ['flowers', 'sanitation'],
        womenRequired: 0,
      },
    });
    expect(res.body).toEqual({
      id: COMMITTEE,
      type: 'co_building',
      scopeNodeId: NODE,
      name: '下涧槽社区共建委员会',
      size: 7,
      termStart: '2026-07-01',
      termEnd: '2029-07-01',
      mandateDecisionId: DECISION,
      portfolios: ['flowers', 'sanitation'],
      seats: [
        {
          id: SEAT,
          position: 'chair',
          portfolio: null,
          residentId: RESIDENT,
          displayName: '刘*国',
          validFrom: '2026-07-01',
          validTo: null,
          source: `decision:${DECISION}`,
          endReason: null,
        },
      ],
      vacancies: 6,
      version: 3,
      createdAt: CREATED_AT.toISOString(),
    });
  });

  it('queries forward the request id; seats, portfolios and the roster map their inputs', async () => {
    const auth = await bearer({ sub: 'op-2' });
    const list = await api()
      .get(`/v1/governance/nodes/${NODE}/committees?limit=5&cursor=abc`)
      .set('authorization', auth)
      .set('x-request-id', 'req-list');
    expect(list.status).toBe(200);
    expect(list.body.nextCursor).toBeNull();
    expect(list.body.items[0].type).toBe('co_building');
    expect(lastCall()).toMatchObject({
      subject: subject('governance.v1.list_committees'),
      principal: 'op-2',
      requestId: 'req-list',
      body: { nodeId: NODE, limit: 5, cursor: 'abc' },
    });

    const appoint = await api()
      .post(`/v1/governance/committees/${COMMITTEE}/seats`)
      .set('authorization', auth)
      .send({
        residentId: RESIDENT,
        displayName: '刘建国',
        position: 'vice_chair',
        portfolio: 'water_resources',
        decisionId: DECISION,
        publicNameConsent: true,
      });
    expect(appoint.status).toBe(201);
    expect(lastCall().body).toMatchObject({
      committeeId: COMMITTEE,
      position: SeatPosition.VICE_CHAIR,
      portfolio: 'water_resources',
      publicNameConsent: true,
      validFrom: '',
      woman: false,
    });
    expect(lastCall().requestId).toBe(appoint.headers['x-request-id']);

    const portfolio = await api()
      .put(`/v1/governance/committees/${COMMITTEE}/seats/${SEAT}/portfolio`)
      .set('authorization', auth)
      .send({ portfolio: 'greening' });
    expect(portfolio.status).toBe(200);
    expect(lastCall()).toMatchObject({
      subject: subject('governance.v1.assign_portfolio'),
      body: { committeeId: COMMITTEE, seatId: SEAT, portfolio: 'greening' },
    });

    const end = await api()
      .post(`/v1/governance/committees/${COMMITTEE}/seats/${SEAT}/end`)
      .set('authorization', auth)
      .send({ reason: 'removed', decisionId: DECISION, effectiveOn: '2026-09-30' });
    expect(end.status).toBe(200);
    expect(lastCall()).toMatchObject({
      subject: subject('governance.v1.end_seat'),
      body: { reason: 'removed', decisionId: DECISION, effectiveOn: '2026-09-30' },
    });

    const roster = await api()
      .get(`/v1/governance/committees/${COMMITTEE}/roster?on=2026-08-01`)
      .set('authorization', auth);
    expect(roster.status).toBe(200);
    expect(roster.body.items).toHaveLength(1);
    expect(lastCall().body).toMatchObject({ committeeId: COMMITTEE, on: '2026-08-01' });
  });

  it('meetings: convene maps kind, instants and custom rules; motions and decisions map back', async () => {
    const auth = await bearer();
    const res = await api()
      .post('/v1/governance/meetings')
      .set('authorization', auth)
      .send({
        kind: 'courtyard',
        scopeNodeId: NODE,
        title: '三月户主坝坝会',
        scheduledFor: '2026-03-15T19:30:00+08:00',
        agenda: [{ title: '停车位', consultationId: CONSULTATION }],
        customRules: {
          quorum: { numerator: 1, denominator: 2, strict: true },
          decision: { numerator: 2, denominator: 3, strict: false },
          noticeDays: 3,
        },
      });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/governance/meetings/${MEETING}`);
    const sent = lastCall().body as {
      kind: MeetingKind;
      scheduledFor: { seconds: bigint };
      noticePublishedAt?: unknown;
      customRules: Record<string, unknown>;
    };
    expect(lastCall().subject).toBe(subject('governance.v1.convene_meeting'));
    expect(sent.kind).toBe(MeetingKind.COURTYARD);
    expect(Number(sent.scheduledFor.seconds) * 1000).toBe(Date.parse('2026-03-15T11:30:00Z'));
    expect(sent.noticePublishedAt).toBeUndefined();
    expect(sent.customRules).toMatchObject({
      quorum: { numerator: 1, denominator: 2, strict: true, rule: 'custom' },
      decision: { numerator: 2, denominator: 3, strict: false, rule: 'custom' },
      noticeDays: 3,
      statutory: false,
    });
    expect(res.body).toMatchObject({
      kind: 'courtyard',
      status: 'scheduled',
      base: 'households',
      committeeId: null,
      scheduledFor: '2026-03-15T11:30:00.000Z',
      noticePublishedAt: null,
      minutes: null,
      agenda: [{ title: '停车位', consultationId: CONSULTATION }],
      rules: {
        quorum: { numerator: 1, denominator: 2, strict: true, rule: 'custom' },
        parameterVersion: null,
      },
      motions: [
        { kind: 'mandate_committee', outcome: 'passed', mandate: { type: 'co_building', termMonths: 36 } },
      ],
    });

    const motionRes = await api()
      .post(`/v1/governance/meetings/${MEETING}/motions`)
      .set('authorization', auth)
      .send({
        title: '成立共建委员会',
        kind: 'mandate_committee',
        mandate: { type: 'co_building', name: '共建委员会', size: 7, termMonths: 36 },
      });
    expect(motionRes.status).toBe(201);
    expect(lastCall().body).toMatchObject({
      kind: MotionKind.MANDATE_COMMITTEE,
      mandate: { type: CommitteeType.CO_BUILDING, size: 7, termMonths: 36, portfolios: [] },
    });

    const decided = await api()
      .post(`/v1/governance/motions/${MOTION}/decision`)
      .set('authorization', auth)
      .send({ yes: 31, no: 9, abstain: 5 });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ outcome: 'passed', explanation: '2*31 > 45 (RC-5)' });
    expect(lastCall()).toMatchObject({
      subject: subject('governance.v1.decide_motion'),
      body: { motionId: MOTION, yes: 31, no: 9, abstain: 5 },
    });

    const attended = await api()
      .post(`/v1/governance/meetings/${MEETING}/attendance`)
      .set('authorization', auth)
      .send({ householdId: HOUSEHOLD });
    expect(attended.status).toBe(200);
    expect(lastCall().body).toMatchObject({ meetingId: MEETING, householdId: HOUSEHOLD, residentId: '' });

    const closed = await api().post(`/v1/governance/meetings/${MEETING}/close`).set('authorization', auth);
    expect(closed.status).toBe(200);
    expect(lastCall().body).toMatchObject({ meetingId: MEETING, minutes: '' });
  });

  it('elections: mode and channel enums, 201 receipt for a resident’s ballot, bigints as numbers', async () => {
    const auth = await bearer({ sub: 'resident-7' });
    const created = await api().post('/v1/governance/elections').set('authorization', auth).send({
      scopeNodeId: NODE,
      committeeId: COMMITTEE,
      title: '第十二届居民委员会选举',
      mode: 'household_reps',
      seats: 7,
      electionDay: '2026-06-20',
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/governance/elections/${ELECTION}`);
    expect(lastCall().body).toMatchObject({
      mode: ElectionMode.HOUSEHOLD_REPS,
      electionDay: '2026-06-20',
      allowRevote: false,
    });
    expect(created.body).toMatchObject({
      mode: 'household_reps',
      status: 'runoff_required',
      rollPublishedAt: CREATED_AT.toISOString(),
      objectionDeadline: '2026-06-10',
      candidates: [{ id: CANDIDATE, statement: null, rounds: [1, 2] }],
      version: 5,
    });

    const ballot = await api()
      .post(`/v1/governance/elections/${ELECTION}/ballots`)
      .set('authorization', auth)
      .set('idempotency-key', 'ballot-1')
      .send({ candidateIds: [CANDIDATE] });
    expect(ballot.status).toBe(201);
    expect(ballot.body).toEqual({
      electionId: ELECTION,
      round: 2,
      receipt: 'cd'.repeat(32),
      secret: 's3cr3t-s3cr3t-s3cr3t',
    });
    expect(lastCall()).toMatchObject({
      subject: subject('governance.v1.cast_ballot'),
      principal: 'resident-7',
      requestId: 'ballot-1',
      body: { electionId: ELECTION, candidateIds: [CANDIDATE], previousReceiptSecret: '' },
    });

    const paper = await api()
      .post(`/v1/governance/elections/${ELECTION}/paper-ballots`)
      .set('authorization', auth)
      .send({ channel: 'meeting', householdId: HOUSEHOLD, candidateIds: [CANDIDATE] });
    expect(paper.status).toBe(201);
    expect(paper.body).toEqual({ counted: false, receipt: null, conflictId: DECISION });
    expect(lastCall().body).toMatchObject({ channel: BallotChannel.MEETING, householdId: HOUSEHOLD });

    const tallied = await api().post(`/v1/governance/elections/${ELECTION}/tally`).set('authorization', auth);
    expect(tallied.status).toBe(200);
    expect(tallied.body.tally).toMatchObject({
      registered: 412,
      ballotsCast: 300,
      results: [{ votes: 201, elected: true, reason: 'majority' }],
      nextRoundCandidateIds: [CANDIDATE],
    });
    expect(tallied.body.election.status).toBe('runoff_required');

    const status = await api()
      .get(`/v1/governance/elections/${ELECTION}/my-status`)
      .set('authorization', auth);
    expect(status.body).toEqual({ onRoll: true, voted: false, round: 2 });
    expect(lastCall()).toMatchObject({
      subject: subject('governance.v1.get_my_voter_status'),
      principal: 'resident-7',
    });
  });

  it('a service refusal comes back as problem+json through the gateway’s filter', async () => {
    nextError = new RpcError(ErrorCode.FAILED_PRECONDITION, 'ELECTION_NOT_OPEN', 'Voting is not open.');
    const res = await api()
      .post(`/v1/governance/elections/${ELECTION}/close`)
      .set('authorization', await bearer());
    expectProblem(res, 422, 'ELECTION_NOT_OPEN');
    expect(lastCall().subject).toBe(subject('governance.v1.close_voting'));
  });

  it('the public notice board answers without a token and forwards no principal', async () => {
    const results = await api().get(`/v1/public/elections/${ELECTION}/results`);
    expect(results.status).toBe(200);
    expect(lastCall()).toMatchObject({
      subject: subject('governance.v1.get_public_results'),
      principal: undefined,
    });
    expect(results.body).toMatchObject({
      electionId: ELECTION,
      seats: 7,
      certifiedAt: CREATED_AT.toISOString(),
      rounds: [{ round: 1, registered: 412, ballotsCast: 300, valid: true, rule: 'RC-8' }],
      elected: [{ candidateId: CANDIDATE, displayName: '王*芳', votes: 201, round: 1 }],
    });

    const first = await api().get(`/v1/public/elections/${ELECTION}/ballot-hashes`);
    expect(first.status).toBe(200);
    expect(lastCall().body).toMatchObject({ electionId: ELECTION, round: 1, limit: 200, cursor: '' });
    expect(first.body).toEqual({
      items: ['aa'.repeat(32), 'bb'.repeat(32)],
      nextCursor: 'page-2',
      digest: 'ef'.repeat(32),
    });
    const second = await api().get(
      `/v1/public/elections/${ELECTION}/ballot-hashes?round=2&limit=10&cursor=page-2`,
    );
    expect(lastCall().body).toMatchObject({ round: 2, limit: 10, cursor: 'page-2' });
    expect(second.body.nextCursor).toBeNull();

    const roll = await api().get(`/v1/public/nodes/${NODE}/honour-roll?limit=20`);
    expect(roll.status).toBe(200);
    expect(lastCall()).toMatchObject({
      subject: subject('governance.v1.get_honour_roll'),
      principal: undefined,
      body: { scopeNodeId: NODE, limit: 20, cursor: '' },
    });
    expect(roll.body).toEqual({
      items: [
        {
          schemeId: SCHEME,
          schemeTitle: '最美家庭',
          period: '2026-03',
          nominationId: NOMINATION,
          displayName: '张*明家庭',
          meetingId: MEETING,
          votes: 23,
          awardedAt: CREATED_AT.toISOString(),
        },
      ],
      nextCursor: null,
    });
    expectProblem(await api().get('/v1/public/elections/nope/results'), 400, 'INVALID_ARGUMENT');
  });

  it('honours: period filter, 201 for an award and 200 with tie: true when the top is tied', async () => {
    const auth = await bearer();
    const scheme = await api()
      .post('/v1/governance/honour-schemes')
      .set('authorization', auth)
      .send({ scopeNodeId: NODE, title: '最美家庭', honouree: 'household', nominationsPerUnit: 1 });
    expect(scheme.status).toBe(201);
    expect(scheme.body).toEqual({
      id: SCHEME,
      scopeNodeId: NODE,
      title: '最美家庭',
      honouree: 'household',
      excludePreviousWinner: false,
      nominationsPerUnit: 1,
    });

    const list = await api()
      .get(`/v1/governance/honour-schemes/${SCHEME}/nominations?period=2026-03`)
      .set('authorization', auth);
    expect(list.body.items[0]).toMatchObject({ period: '2026-03', householdId: HOUSEHOLD, residentId: null });
    expect(lastCall().body).toMatchObject({ schemeId: SCHEME, period: '2026-03' });

    const votes = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ nominationId: i ? DECISION : NOMINATION, votes: 10 + i }));
    const won = await api()
      .post(`/v1/governance/honour-schemes/${SCHEME}/awards`)
      .set('authorization', auth)
      .send({ period: '2026-03', meetingId: MEETING, votes: votes(2) });
    expect(won.status).toBe(201);
    expect(won.body).toMatchObject({ tie: false, award: { nominationId: NOMINATION, votes: 23 } });
    const tied = await api()
      .post(`/v1/governance/honour-schemes/${SCHEME}/awards`)
      .set('authorization', auth)
      .send({ period: '2026-03', meetingId: MEETING, votes: votes(1) });
    expect(tied.status).toBe(200);
    expect(tied.body).toEqual({ award: null, tie: true });
  });

  it('consultations: instants in, ISO strings and lower-case status out; opinions page', async () => {
    const auth = await bearer();
    const opened = await api()
      .post('/v1/governance/consultations')
      .set('authorization', auth)
      .send({ scopeNodeId: NODE, topic: '停车位划线', closesAt: '2026-04-01T08:00:00+08:00' });
    expect(opened.status).toBe(201);
    expect(opened.headers.location).toBe(`/v1/governance/consultations/${CONSULTATION}`);
    const sent = lastCall().body as { closesAt: { seconds: bigint }; opensAt?: unknown; description: string };
    expect(Number(sent.closesAt.seconds) * 1000).toBe(Date.parse('2026-04-01T00:00:00Z'));
    expect(sent.opensAt).toBeUndefined();
    expect(sent.description).toBe('');
    expect(opened.body).toMatchObject({
      status: 'open',
      closesAt: '2026-04-01T00:00:00.000Z',
      summary: null,
      meetingId: null,
      decisionId: null,
    });

    const page = await api()
      .get(`/v1/governance/consultations/${CONSULTATION}/opinions?limit=10`)
      .set('authorization', auth);
    expect(page.body).toEqual({
      items: [
        {
          id: NOMINATION,
          consultationId: CONSULTATION,
          text: '建议增设非机动车停放区',
          submittedAt: CREATED_AT.toISOString(),
          authorDisplay: '张*明',
        },
      ],
      nextCursor: 'next',
    });
  });

  it('PUT /v1/org/residents/{id}/account links the account: 204, link_resident_account', async () => {
    const res = await api()
      .put(`/v1/org/residents/${RESIDENT}/account`)
      .set('authorization', await bearer({ sub: 'op-9' }))
      .send({ subject: 'f1b2c3d4-0000-4000-8000-000000000001' });
    expect(res.status).toBe(204);
    expect(lastCall()).toMatchObject({
      subject: subject('org.v1.link_resident_account'),
      principal: 'op-9',
      body: { residentId: RESIDENT, subject: 'f1b2c3d4-0000-4000-8000-000000000001' },
    });
  });

  it('OpenAPI documents every governance route; the notice board without a bearer requirement', async () => {
    const doc = await api().get('/openapi.json');
    expect(doc.status).toBe(200);
    const paths = doc.body.paths as Record<
      string,
      Record<string, { security?: unknown; responses: object; summary?: string }>
    >;
    const routes = [
      'post /v1/governance/committees',
      'get /v1/governance/committees/{id}',
      'get /v1/governance/nodes/{nodeId}/committees',
      'post /v1/governance/committees/{id}/seats',
      'put /v1/governance/committees/{id}/seats/{seatId}/portfolio',
      'post /v1/governance/committees/{id}/seats/{seatId}/end',
      'get /v1/governance/committees/{id}/roster',
      'post /v1/governance/meetings',
      'get /v1/governance/meetings/{id}',
      'get /v1/governance/nodes/{nodeId}/meetings',
      'post /v1/governance/meetings/{id}/open',
      'post /v1/governance/meetings/{id}/attendance',
      'post /v1/governance/meetings/{id}/motions',
      'post /v1/governance/motions/{id}/decision',
      'post /v1/governance/motions/{id}/owner-votes',
      'post /v1/governance/meetings/{id}/close',
      'post /v1/governance/elections',
      'get /v1/governance/elections/{id}',
      'post /v1/governance/elections/{id}/roll',
      'post /v1/governance/elections/{id}/roll-objections',
      'post /v1/governance/roll-objections/{id}/decision',
      'post /v1/governance/residents-groups',
      'put /v1/governance/residents-groups/{id}/representatives',
      'get /v1/governance/nodes/{nodeId}/residents-groups',
      'post /v1/governance/elections/{id}/candidates',
      'post /v1/governance/elections/{id}/open',
      'post /v1/governance/elections/{id}/ballots',
      'post /v1/governance/elections/{id}/proxies',
      'get /v1/public/elections/{id}/proxies',
      'post /v1/governance/elections/{id}/paper-ballots',
      'post /v1/governance/elections/{id}/close',
      'post /v1/governance/elections/{id}/tally',
      'post /v1/governance/elections/{id}/certify',
      'get /v1/governance/elections/{id}/my-status',
      'post /v1/governance/honour-schemes',
      'post /v1/governance/honour-schemes/{id}/nominations',
      'get /v1/governance/honour-schemes/{id}/nominations',
      'post /v1/governance/honour-schemes/{id}/awards',
      'post /v1/governance/consultations',
      'get /v1/governance/consultations/{id}',
      'post /v1/governance/consultations/{id}/opinions',
      'get /v1/governance/consultations/{id}/opinions',
      'post /v1/governance/consultations/{id}/summary',
      'put /v1/org/residents/{id}/account',
      'get /v1/public/elections/{id}/results',
      'get /v1/public/elections/{id}/ballot-hashes',
      'get /v1/public/nodes/{nodeId}/honour-roll',
    ];
    const documented = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(documented).toEqual(expect.arrayContaining(routes));
    for (const route of routes) {
      const [method, path] = route.split(' ');
      const op = paths[path][method];
      expect([route, typeof op.summary]).toEqual([route, 'string']);
      const responses = Object.keys(op.responses);
      if (path.startsWith('/v1/public/')) {
        expect([route, op.security]).toEqual([route, undefined]);
        expect(responses).not.toContain('401');
      } else {
        expect([route, op.security]).toEqual([route, [{ bearer: [] }]]);
        expect([route, responses]).toEqual([route, expect.arrayContaining(['400', '401', '503'])]);
      }
    }
    // Response bodies are documented DTOs, with enums as lower-case strings.
    const schemas = doc.body.components.schemas as Record<
      string,
      { properties: Record<string, { enum?: string[] }> }
    >;
    expect(schemas.CommitteeDto.properties.type.enum).toContain('co_building');
    expect(schemas.ElectionDto.properties.mode.enum).toContain('household_reps');
    expect(schemas.MeetingDto.properties.kind.enum).toContain('courtyard');
    expect(schemas.SeatDto.properties.position.enum).toContain('chair');
    expect(paths['/v1/governance/elections/{id}/ballots'].post.responses).toHaveProperty(['201']);
  });
});
