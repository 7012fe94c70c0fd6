import { randomUUID } from 'node:crypto';
import { composeResidentId } from '@linli/privacy';
import { expectEventually } from '@linli/testing';
import { decodeJwt } from 'jose';
import { bootPlatform, callGateway, passwordToken, type E2EPlatform } from './support.js';

/** China Standard Time civil date (UTC+8), `days` from today, as governance counts days. */
const cstDay = (days = 0) =>
  new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

type Key = 'same' | 'sibling' | 'far';

/** What the city administrator set up under one target community, in governance and in org. */
interface Target {
  key: Key;
  communityId: string;
  communityName: string;
  compoundId: string;
  compoundName: string;
  buildingId: string;
  /** H0 in the building; H1 and H2 directly in the compound. */
  households: string[];
  /** R0 (head) and R1 live in H0, R2 (head) and R3 in H1, R4 heads H2; all adults. */
  residents: string[];
  /** Open for a day. */
  consultation: string;
  /** Closes seconds after the set-up; the open meeting's agenda lists it. */
  closingConsultation: string;
  closesAt: number;
  /** A courtyard meeting of the compound, open and quorate (2 of its 3 households present). */
  meeting: string;
  scheduledMeeting: string;
  /** An owners' assembly of the compound (R0 owns its one dwelling), open. */
  ownersAssembly: string;
  pendingMotion: string;
  ownersMotion: string;
  /** The co-building committee the meeting mandated, its decision, and R0's seat on it. */
  committee: string;
  decision: string;
  seat: string;
  /** Elections for one seat of the committee: a draft (2 candidates), one with its roll published and an
   * objection pending, one open for voting (R2 and R3 stand); and an all-voters election of a village
   * committee with its roll published (proxies are for village committees, VC-6). */
  draftElection: string;
  rolledElection: string;
  objection: string;
  votingElection: string;
  candidate: string;
  proxyElection: string;
  /** 最美家庭 of the compound, with H0 nominated from the building for this month. */
  scheme: string;
  nomination: string;
  /** A residents' group of the community covering the compound. */
  group: string;
}

type Column =
  | 'sibling community'
  | 'other district'
  | 'resident'
  | 'anonymous'
  | 'resident of the scope'
  | 'same subtree';

interface Route {
  /** `METHOD /path` exactly as `/openapi.json` lists it. */
  name: string;
  call: (t: Target, token: string | undefined) => Promise<Response>;
  /** The status the route answers in its own scope. */
  ok: number;
  /**
   * Who uses the route: operators (default); residents only (a ballot, my-status, an opinion: the actor is a
   * resident of the same compound, resident.wang, and the other columns are what he gets elsewhere); both (the
   * operator is the actor, and resident.wang, who lives in the scope, is a further column that must succeed).
   */
  who?: 'resident' | 'both';
  /** The public notice board: every column reads the same target's board and gets the same answer. */
  public?: boolean;
  /**
   * Cells that fail because of a bug in the service or the gateway (reported; run as `it.failing`). Remove the
   * entry once the bug is fixed: a failing-marked cell that passes fails the suite.
   */
  bugs?: Partial<Record<Column, string>>;
}

/**
 * Broken-object-level-authorization matrix: every governance route (and the public notice board) × {same
 * subtree, sibling community, other district, resident, anonymous}, like bola.e2e-spec.ts for org. The
 * community operator of 下涧槽社区 (成华区 二仙桥街道) is the actor; the targets are compounds the city
 * administrator set up, with households, committees, meetings, elections, consultations, honours and residents'
 * groups, under 下涧槽社区 (same subtree), 东路社区 (sibling) and 关口社区 in 彭州市 (other district). Outside
 * the subtree every answer is 404 (a list too), never 403 and never the data; a resident who does not live in
 * the scope gets 404 (resident.zhang lives in 关口社区); without a token, 401.
 */
describe('e2e: BOLA matrix over every governance route', () => {
  let p: E2EPlatform;
  const tokens: Record<'admin' | 'community' | 'zhang' | 'wang', string> = {} as never;
  const target = {} as Record<Key, Target>;
  const today = cstDay();
  const period = today.slice(0, 7);
  let idSequence = 1;
  const newIdNumber = () =>
    composeResidentId('510108', `198${idSequence % 10}-05-0${(idSequence % 9) + 1}`, idSequence++);

  const api = (path: string, token: string | undefined, method = 'GET', body?: unknown) =>
    callGateway(p.urls.gateway, method, path, token, body);

  /** A set-up step as the city administrator: it must succeed (with `status` if given). */
  async function admin<T>(method: string, path: string, body?: unknown, status?: number): Promise<T> {
    const res = await api(path, tokens.admin, method, body);
    const text = await res.text();
    if (status ? res.status !== status : !res.ok) {
      throw new Error(`${method} ${path} → ${res.status} ${text}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Retried while governance has not yet projected the org events the step depends on. */
  const eventually = <T>(work: () => Promise<T>, timeoutMs = 60_000, intervalMs = 250) =>
    expectEventually(work, { timeoutMs, intervalMs });

  async function prepare(key: Key, code: string): Promise<Target> {
    // org: a compound with a building, three households of adults, a dwelling R0 owns.
    const found = await admin<{ items: Array<{ id: string; name: string }> }>(
      'GET',
      `/v1/org/nodes?code=${code}`,
    );
    const community = found.items[0];
    const compoundName = `矩阵${key}院落`;
    const compoundId = (
      await admin<{ id: string }>(
        'POST',
        '/v1/org/nodes',
        { parentId: community.id, kind: 'compound', name: compoundName },
        201,
      )
    ).id;
    const buildingId = (
      await admin<{ id: string }>(
        'POST',
        '/v1/org/nodes',
        { parentId: compoundId, kind: 'building', name: `${key}1栋` },
        201,
      )
    ).id;
    const households: string[] = [];
    const residents: string[] = [];
    for (const [nodeId, label, names] of [
      [buildingId, '1栋101', ['赵一', '钱二']],
      [compoundId, '平房1号', ['孙三', '李四']],
      [compoundId, '平房2号', ['周五']],
    ] as const) {
      const h = await admin<{ id: string }>('POST', `/v1/org/nodes/${nodeId}/households`, { label }, 201);
      households.push(h.id);
      for (const [i, name] of names.entries()) {
        const after = await admin<{ members: Array<{ resident: { id: string } }> }>(
          'POST',
          `/v1/org/households/${h.id}/members`,
          { resident: { name, idNumber: newIdNumber() }, relation: i === 0 ? 'head' : 'spouse' },
          201,
        );
        residents.push(after.members.map((m) => m.resident.id).find((id) => !residents.includes(id))!);
      }
    }
    const dwelling = await admin<{ id: string }>(
      'POST',
      `/v1/org/nodes/${compoundId}/dwellings`,
      { label: '1-101', exclusiveArea: '89.50', areaSource: 'register', developerHeld: false },
      201,
    );
    await admin('PUT', `/v1/org/dwellings/${dwelling.id}/owners`, { ownerResidentIds: [residents[0]] }, 200);
    // resident.wang heads H2 of the same compound; resident.zhang heads H2 of the other district's compound.
    const account = { same: tokens.wang, far: tokens.zhang, sibling: undefined }[key];
    if (account) {
      await admin(
        'PUT',
        `/v1/org/residents/${residents[4]}/account`,
        { subject: decodeJwt(account).sub },
        204,
      );
    }

    // governance
    const consultation = await admin<{ id: string }>(
      'POST',
      '/v1/governance/consultations',
      {
        scopeNodeId: compoundId,
        topic: '院落停车位划线',
        closesAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
      201,
    );
    const closesAt = Date.now() + 2_000;
    const closing = await admin<{ id: string }>(
      'POST',
      '/v1/governance/consultations',
      { scopeNodeId: compoundId, topic: '院落绿化', closesAt: new Date(closesAt).toISOString() },
      201,
    );
    const convene = (title: string, consultationId?: string) =>
      admin<{ id: string }>(
        'POST',
        '/v1/governance/meetings',
        {
          kind: 'courtyard',
          scopeNodeId: compoundId,
          title,
          scheduledFor: new Date().toISOString(),
          agenda: [{ title: '议题', ...(consultationId ? { consultationId } : {}) }],
        },
        201,
      );
    const meeting = (await convene('户主坝坝会', closing.id)).id;
    // Until it opens, a meeting reports the base as governance's projection of org's households has it now.
    await eventually(async () => {
      const m = await admin<{ baseCount: number }>('GET', `/v1/governance/meetings/${meeting}`);
      expect(m.baseCount).toBe(3);
    }, 90_000);
    await admin('POST', `/v1/governance/meetings/${meeting}/open`, undefined, 200);
    for (const householdId of households.slice(0, 2)) {
      await admin('POST', `/v1/governance/meetings/${meeting}/attendance`, { householdId }, 200);
    }
    const mandate = await admin<{ id: string }>(
      'POST',
      `/v1/governance/meetings/${meeting}/motions`,
      {
        title: '授权成立共建委员会',
        kind: 'mandate_committee',
        mandate: {
          type: 'co_building',
          name: `${compoundName}共建委员会`,
          size: 5,
          termMonths: 36,
          portfolios: ['sanitation', 'greening'],
        },
      },
      201,
    );
    const decided = await admin<{ decisionId: string; mandatedCommitteeId: string }>(
      'POST',
      `/v1/governance/motions/${mandate.id}/decision`,
      { yes: 2, no: 0, abstain: 0 },
      200,
    );
    const committee = decided.mandatedCommitteeId;
    const pendingMotion = (
      await admin<{ id: string }>(
        'POST',
        `/v1/governance/meetings/${meeting}/motions`,
        { title: '院落停车公约', kind: 'general' },
        201,
      )
    ).id;
    const scheduledMeeting = (await convene('下月户主坝坝会')).id;

    // R4 is the last resident org announced: once a candidate, governance knows every resident of the target.
    const election = (committeeId: string, mode = 'household_reps', electionDay = today) =>
      admin<{ id: string }>(
        'POST',
        '/v1/governance/elections',
        { scopeNodeId: compoundId, committeeId, title: `${compoundName}选举`, mode, seats: 1, electionDay },
        201,
      );
    const nominate = (electionId: string, residentId: string, displayName: string) =>
      admin<{ candidates: Array<{ id: string; residentId: string }> }>(
        'POST',
        `/v1/governance/elections/${electionId}/candidates`,
        { residentId, displayName },
        201,
      );
    const rolledElection = (await election(committee)).id;
    await eventually(() => nominate(rolledElection, residents[4], '周五'));
    const seated = await admin<{ seats: Array<{ id: string; residentId: string }> }>(
      'POST',
      `/v1/governance/committees/${committee}/seats`,
      { residentId: residents[0], displayName: '赵一', position: 'member', decisionId: decided.decisionId },
      201,
    );
    await admin('POST', `/v1/governance/elections/${rolledElection}/roll`, undefined, 200);
    const objection = await admin<{ id: string }>(
      'POST',
      `/v1/governance/elections/${rolledElection}/roll-objections`,
      { claim: 'remove', residentId: residents[1], reason: '已迁出' },
      201,
    );
    const draftElection = (await election(committee)).id;
    await nominate(draftElection, residents[2], '孙三');
    await nominate(draftElection, residents[3], '李四');
    const votingElection = (await election(committee)).id;
    const standing = await nominate(votingElection, residents[2], '孙三');
    await nominate(votingElection, residents[3], '李四');
    const rolled = await admin<{ registeredElectors: number }>(
      'POST',
      `/v1/governance/elections/${votingElection}/roll`,
      undefined,
      200,
    );
    expect(rolled.registeredElectors).toBe(3);
    await admin('POST', `/v1/governance/elections/${votingElection}/open`, undefined, 200);
    const village = await admin<{ id: string }>(
      'POST',
      '/v1/governance/committees',
      { type: 'village', scopeNodeId: compoundId, name: `${compoundName}村委会`, size: 5, termStart: today },
      201,
    );
    // A statutory body: its roll is published at least 20 days before the election day (VC-3).
    const proxyElection = (await election(village.id, 'all_voters', cstDay(30))).id;
    await admin('POST', `/v1/governance/elections/${proxyElection}/roll`, undefined, 200);

    // Honours and groups place units in the tree by governance's projection of org's node events: on a fresh
    // platform that consumer first works through the division seed.
    const scheme = await eventually(
      () =>
        admin<{ id: string }>(
          'POST',
          '/v1/governance/honour-schemes',
          { scopeNodeId: compoundId, title: '最美家庭', honouree: 'household', nominationsPerUnit: 2 },
          201,
        ),
      90_000,
    );
    const nomination = await eventually(() =>
      admin<{ id: string }>(
        'POST',
        `/v1/governance/honour-schemes/${scheme.id}/nominations`,
        { period, unitNodeId: buildingId, householdId: households[0], displayName: '赵一家庭' },
        201,
      ),
    );
    const group = await eventually(() =>
      admin<{ id: string }>(
        'POST',
        '/v1/governance/residents-groups',
        { scopeNodeId: community.id, name: `${compoundName}居民小组`, nodeIds: [compoundId] },
        201,
      ),
    );
    // The owners' roll is fixed when the assembly opens: retried (with a new assembly) until it holds R0.
    const ownersAssembly = await eventually(
      async () => {
        const convened = await admin<{ id: string }>(
          'POST',
          '/v1/governance/meetings',
          {
            kind: 'owners_assembly',
            scopeNodeId: compoundId,
            title: '业主大会',
            scheduledFor: new Date().toISOString(),
            noticePublishedAt: new Date(Date.now() - 20 * 86_400_000).toISOString(),
            agenda: [{ title: '续聘物业' }],
          },
          201,
        );
        const opened = await admin<{ baseCount: number }>(
          'POST',
          `/v1/governance/meetings/${convened.id}/open`,
          undefined,
          200,
        );
        expect(opened.baseCount).toBe(1);
        return convened.id;
      },
      30_000,
      1_000,
    );
    const ownersMotion = (
      await admin<{ id: string }>(
        'POST',
        `/v1/governance/meetings/${ownersAssembly}/motions`,
        { title: '续聘物业服务企业', kind: 'general' },
        201,
      )
    ).id;
    // The linked accounts: each resident sees the consultation of his own compound.
    if (account) {
      await eventually(async () => {
        expect((await api(`/v1/governance/consultations/${consultation.id}`, account)).status).toBe(200);
      });
    }
    return {
      key,
      communityId: community.id,
      communityName: community.name,
      compoundId,
      compoundName,
      buildingId,
      households,
      residents,
      consultation: consultation.id,
      closingConsultation: closing.id,
      closesAt,
      meeting,
      scheduledMeeting,
      ownersAssembly,
      pendingMotion,
      ownersMotion,
      committee,
      decision: decided.decisionId,
      seat: seated.seats.find((s) => s.residentId === residents[0])!.id,
      draftElection,
      rolledElection,
      objection: objection.id,
      votingElection,
      candidate: standing.candidates.find((c) => c.residentId === residents[2])!.id,
      proxyElection,
      scheme: scheme.id,
      nomination: nomination.id,
      group: group.id,
    };
  }

  beforeAll(async () => {
    p = await bootPlatform();
    [tokens.admin, tokens.community, tokens.zhang, tokens.wang] = await Promise.all(
      ['city.admin', 'community.operator', 'resident.zhang', 'resident.wang'].map((u) =>
        passwordToken(p.urls.tokenEndpoint, u),
      ),
    );
    const codes = { same: '510108007003', sibling: '510108007002', far: '510182107001' } as const;
    const prepared = await Promise.all(
      (Object.entries(codes) as Array<[Key, string]>).map(([key, code]) => prepare(key, code)),
    );
    for (const t of prepared) target[t.key] = t;
  }, 150_000);

  afterAll(async () => {
    await p?.teardown();
  }, 60_000);

  const json = (res: Response) => res.text().then((text) => (text ? JSON.parse(text) : undefined));
  const random = () => randomUUID();

  const routes: Route[] = [
    // --- communities
    {
      name: 'GET /v1/governance/communities/{id}/summary',
      call: (t, k) => api(`/v1/governance/communities/${t.communityId}/summary`, k),
      ok: 200,
    },
    // --- committees
    {
      name: 'POST /v1/governance/committees',
      call: (t, k) =>
        api('/v1/governance/committees', k, 'POST', {
          type: 'deliberative_council',
          scopeNodeId: t.compoundId,
          name: `议事会${random()}`.slice(0, 40),
          size: 5,
          termStart: today,
        }),
      ok: 201,
    },
    {
      name: 'GET /v1/governance/committees/{id}',
      call: (t, k) => api(`/v1/governance/committees/${t.committee}`, k),
      ok: 200,
    },
    {
      name: 'GET /v1/governance/nodes/{nodeId}/committees',
      call: (t, k) => api(`/v1/governance/nodes/${t.compoundId}/committees`, k),
      ok: 200,
    },
    {
      name: 'GET /v1/governance/committees/{id}/roster',
      call: (t, k) => api(`/v1/governance/committees/${t.committee}/roster`, k),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/committees/{id}/seats',
      call: (t, k) =>
        api(`/v1/governance/committees/${t.committee}/seats`, k, 'POST', {
          residentId: t.residents[1],
          displayName: '钱二',
          position: 'member',
          decisionId: t.decision,
        }),
      ok: 201,
    },
    {
      name: 'PUT /v1/governance/committees/{id}/seats/{seatId}/portfolio',
      call: (t, k) =>
        api(`/v1/governance/committees/${t.committee}/seats/${t.seat}/portfolio`, k, 'PUT', {
          portfolio: 'sanitation',
        }),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/committees/{id}/seats/{seatId}/end',
      call: (t, k) =>
        api(`/v1/governance/committees/${t.committee}/seats/${t.seat}/end`, k, 'POST', {
          reason: 'resigned',
        }),
      ok: 200,
    },
    // --- meetings
    {
      name: 'POST /v1/governance/meetings',
      call: (t, k) =>
        api('/v1/governance/meetings', k, 'POST', {
          kind: 'courtyard',
          scopeNodeId: t.compoundId,
          title: '临时户主坝坝会',
          scheduledFor: new Date().toISOString(),
          agenda: [{ title: '议题' }],
        }),
      ok: 201,
    },
    {
      name: 'GET /v1/governance/meetings/{id}',
      call: (t, k) => api(`/v1/governance/meetings/${t.meeting}`, k),
      ok: 200,
    },
    {
      name: 'GET /v1/governance/nodes/{nodeId}/meetings',
      call: (t, k) => api(`/v1/governance/nodes/${t.compoundId}/meetings`, k),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/meetings/{id}/open',
      call: (t, k) => api(`/v1/governance/meetings/${t.scheduledMeeting}/open`, k, 'POST'),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/meetings/{id}/attendance',
      call: (t, k) =>
        api(`/v1/governance/meetings/${t.meeting}/attendance`, k, 'POST', { householdId: t.households[2] }),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/meetings/{id}/motions',
      call: (t, k) =>
        api(`/v1/governance/meetings/${t.meeting}/motions`, k, 'POST', {
          title: '垃圾分类公约',
          kind: 'general',
        }),
      ok: 201,
    },
    {
      name: 'POST /v1/governance/motions/{id}/decision',
      call: (t, k) =>
        api(`/v1/governance/motions/${t.pendingMotion}/decision`, k, 'POST', { yes: 2, no: 0, abstain: 0 }),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/motions/{id}/owner-votes',
      call: (t, k) =>
        api(`/v1/governance/motions/${t.ownersMotion}/owner-votes`, k, 'POST', {
          votes: [{ residentId: t.residents[0], choice: 'yes' }],
        }),
      ok: 200,
    },
    // --- consultations
    {
      name: 'POST /v1/governance/consultations',
      call: (t, k) =>
        api('/v1/governance/consultations', k, 'POST', {
          scopeNodeId: t.compoundId,
          topic: '电动车充电桩',
          closesAt: new Date(Date.now() + 86_400_000).toISOString(),
        }),
      ok: 201,
    },
    {
      name: 'GET /v1/governance/consultations/{id}',
      call: (t, k) => api(`/v1/governance/consultations/${t.consultation}`, k),
      ok: 200,
      who: 'both',
    },
    {
      name: 'POST /v1/governance/consultations/{id}/opinions',
      call: (t, k) =>
        api(`/v1/governance/consultations/${t.consultation}/opinions`, k, 'POST', { text: '建议划在西侧' }),
      ok: 201,
      who: 'resident',
    },
    {
      name: 'GET /v1/governance/consultations/{id}/opinions',
      call: (t, k) => api(`/v1/governance/consultations/${t.consultation}/opinions`, k),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/consultations/{id}/summary',
      call: async (t, k) => {
        // The summary is published once the consultation has closed.
        await new Promise((r) => setTimeout(r, Math.max(0, t.closesAt - Date.now() + 100)));
        return api(`/v1/governance/consultations/${t.closingConsultation}/summary`, k, 'POST', {
          summary: '多数意见：东侧绿化带改种果树。',
          meetingId: t.meeting,
        });
      },
      ok: 200,
    },
    // --- honours
    {
      name: 'POST /v1/governance/honour-schemes',
      call: (t, k) =>
        api('/v1/governance/honour-schemes', k, 'POST', {
          scopeNodeId: t.compoundId,
          title: '好邻居',
          honouree: 'resident',
          nominationsPerUnit: 1,
        }),
      ok: 201,
    },
    {
      name: 'POST /v1/governance/honour-schemes/{id}/nominations',
      call: (t, k) =>
        api(`/v1/governance/honour-schemes/${t.scheme}/nominations`, k, 'POST', {
          period,
          unitNodeId: t.compoundId,
          householdId: t.households[1],
          displayName: '孙三家庭',
        }),
      ok: 201,
    },
    {
      name: 'GET /v1/governance/honour-schemes/{id}/nominations',
      call: (t, k) => api(`/v1/governance/honour-schemes/${t.scheme}/nominations?period=${period}`, k),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/honour-schemes/{id}/awards',
      call: (t, k) =>
        api(`/v1/governance/honour-schemes/${t.scheme}/awards`, k, 'POST', {
          period,
          meetingId: t.meeting,
          votes: [{ nominationId: t.nomination, votes: 2 }],
        }),
      ok: 201,
    },
    // --- residents' groups
    {
      name: 'POST /v1/governance/residents-groups',
      call: (t, k) =>
        api('/v1/governance/residents-groups', k, 'POST', {
          scopeNodeId: t.communityId,
          name: `第二居民小组${random()}`.slice(0, 40),
          nodeIds: [t.buildingId],
        }),
      ok: 201,
    },
    {
      name: 'PUT /v1/governance/residents-groups/{id}/representatives',
      call: (t, k) =>
        api(`/v1/governance/residents-groups/${t.group}/representatives`, k, 'PUT', {
          representativeIds: [t.residents[0], t.residents[2]],
        }),
      ok: 200,
    },
    {
      name: 'GET /v1/governance/nodes/{nodeId}/residents-groups',
      call: (t, k) => api(`/v1/governance/nodes/${t.communityId}/residents-groups`, k),
      ok: 200,
    },
    // --- elections
    {
      name: 'POST /v1/governance/elections',
      call: (t, k) =>
        api('/v1/governance/elections', k, 'POST', {
          scopeNodeId: t.compoundId,
          committeeId: t.committee,
          title: '补选',
          mode: 'household_reps',
          seats: 1,
          electionDay: today,
        }),
      ok: 201,
    },
    {
      name: 'GET /v1/governance/elections/{id}',
      call: (t, k) => api(`/v1/governance/elections/${t.draftElection}`, k),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/elections/{id}/roll',
      call: (t, k) => api(`/v1/governance/elections/${t.draftElection}/roll`, k, 'POST'),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/elections/{id}/candidates',
      call: (t, k) =>
        api(`/v1/governance/elections/${t.draftElection}/candidates`, k, 'POST', {
          residentId: t.residents[4],
          displayName: '周五',
        }),
      ok: 201,
    },
    {
      name: 'POST /v1/governance/elections/{id}/roll-objections',
      call: (t, k) =>
        api(`/v1/governance/elections/${t.rolledElection}/roll-objections`, k, 'POST', {
          claim: 'add',
          residentId: t.residents[3],
          reason: '漏登',
        }),
      ok: 201,
      who: 'both',
    },
    {
      name: 'POST /v1/governance/roll-objections/{id}/decision',
      call: (t, k) =>
        api(`/v1/governance/roll-objections/${t.objection}/decision`, k, 'POST', {
          upheld: false,
          answer: '经核实仍在本院落居住。',
        }),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/elections/{id}/proxies',
      call: (t, k) =>
        api(`/v1/governance/elections/${t.proxyElection}/proxies`, k, 'POST', {
          principalResidentId: t.residents[0],
          holderResidentId: t.residents[1],
          relation: 'spouse',
          documentRef: '委托书 2026-001',
          principalDisplayName: '赵一',
          holderDisplayName: '钱二',
        }),
      ok: 201,
    },
    {
      name: 'POST /v1/governance/elections/{id}/open',
      call: (t, k) => api(`/v1/governance/elections/${t.draftElection}/open`, k, 'POST'),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/elections/{id}/ballots',
      call: (t, k) =>
        api(`/v1/governance/elections/${t.votingElection}/ballots`, k, 'POST', {
          candidateIds: [t.candidate],
        }),
      ok: 201,
      who: 'resident',
    },
    {
      name: 'GET /v1/governance/elections/{id}/my-status',
      call: (t, k) => api(`/v1/governance/elections/${t.votingElection}/my-status`, k),
      ok: 200,
      who: 'resident',
    },
    {
      name: 'POST /v1/governance/elections/{id}/paper-ballots',
      call: (t, k) =>
        api(`/v1/governance/elections/${t.votingElection}/paper-ballots`, k, 'POST', {
          channel: 'paper',
          householdId: t.households[0],
          candidateIds: [t.candidate],
        }),
      ok: 201,
    },
    {
      name: 'POST /v1/governance/elections/{id}/close',
      call: (t, k) => api(`/v1/governance/elections/${t.votingElection}/close`, k, 'POST'),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/elections/{id}/tally',
      call: (t, k) => api(`/v1/governance/elections/${t.votingElection}/tally`, k, 'POST'),
      ok: 200,
    },
    {
      name: 'POST /v1/governance/elections/{id}/certify',
      call: (t, k) => api(`/v1/governance/elections/${t.votingElection}/certify`, k, 'POST'),
      ok: 200,
    },
    // --- the meeting closes last (the award and the consultation's summary went to it)
    {
      name: 'POST /v1/governance/meetings/{id}/close',
      call: (t, k) =>
        api(`/v1/governance/meetings/${t.meeting}/close`, k, 'POST', { minutes: '到会3户，议定停车公约。' }),
      ok: 200,
    },
    // --- the public notice board
    {
      name: 'GET /v1/public/elections/{id}/results',
      call: (t, k) => api(`/v1/public/elections/${t.votingElection}/results`, k),
      ok: 200,
      public: true,
    },
    {
      name: 'GET /v1/public/elections/{id}/ballot-hashes',
      call: (t, k) => api(`/v1/public/elections/${t.votingElection}/ballot-hashes`, k),
      ok: 200,
      public: true,
    },
    {
      name: 'GET /v1/public/elections/{id}/proxies',
      call: (t, k) => api(`/v1/public/elections/${t.proxyElection}/proxies`, k),
      ok: 200,
      public: true,
    },
    {
      name: 'GET /v1/public/nodes/{nodeId}/honour-roll',
      call: (t, k) => api(`/v1/public/nodes/${t.compoundId}/honour-roll`, k),
      ok: 200,
      public: true,
    },
  ];

  it('covers every governance and public route the gateway publishes in /openapi.json', async () => {
    const doc = (await json(await api('/openapi.json', undefined))) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const published = Object.entries(doc.paths)
      .filter(([path]) => /^\/v1\/(governance|public)\//.test(path))
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    const inMatrix = routes.map((r) => r.name).sort();
    expect(published.filter((r) => r.startsWith('POST /v1/governance/')).length).toBeGreaterThan(20);
    expect({ missing: published.filter((r) => !inMatrix.includes(r)) }).toEqual({ missing: [] });
    expect({ unknown: inMatrix.filter((r) => !published.includes(r)) }).toEqual({ unknown: [] });
  });

  /**
   * An id from another scope, given in the body of a command on one's own objects, answers exactly as an id
   * that does not exist: nothing tells the caller it exists (and nothing is done with it). Run before the
   * matrix, while the objects are in the state the set-up left them in.
   */
  describe('ids of another scope in a request body answer like ids that do not exist', () => {
    const probes: Array<{ name: string; call: (id: (sibling: string) => string) => Promise<Response> }> = [
      {
        name: 'POST /v1/governance/elections: the committee',
        call: (id) =>
          api('/v1/governance/elections', tokens.community, 'POST', {
            scopeNodeId: target.same.compoundId,
            committeeId: id(target.sibling.committee),
            title: '越界选举',
            mode: 'household_reps',
            seats: 1,
            electionDay: today,
          }),
      },
      {
        name: 'POST /v1/governance/meetings (committee meeting): the committee',
        call: (id) =>
          api('/v1/governance/meetings', tokens.community, 'POST', {
            kind: 'committee',
            scopeNodeId: target.same.compoundId,
            committeeId: id(target.sibling.committee),
            title: '越界委员会会议',
            scheduledFor: new Date().toISOString(),
            agenda: [{ title: '议题' }],
          }),
      },
      {
        name: 'POST /v1/governance/committees/{id}/seats: the resident',
        call: (id) =>
          api(`/v1/governance/committees/${target.same.committee}/seats`, tokens.community, 'POST', {
            residentId: id(target.sibling.residents[0]),
            displayName: '越界',
            position: 'member',
            decisionId: target.same.decision,
          }),
      },
      {
        name: 'POST /v1/governance/committees/{id}/seats: the decision',
        call: (id) =>
          api(`/v1/governance/committees/${target.same.committee}/seats`, tokens.community, 'POST', {
            residentId: target.same.residents[3],
            displayName: '李四',
            position: 'member',
            decisionId: id(target.sibling.decision),
          }),
      },
      {
        name: 'POST /v1/governance/committees/{id}/seats/{seatId}/end: the removal decision',
        call: (id) =>
          api(
            `/v1/governance/committees/${target.same.committee}/seats/${target.same.seat}/end`,
            tokens.community,
            'POST',
            { reason: 'removed', decisionId: id(target.sibling.decision) },
          ),
      },
      {
        name: 'POST /v1/governance/meetings/{id}/attendance: the household',
        call: (id) =>
          api(`/v1/governance/meetings/${target.same.meeting}/attendance`, tokens.community, 'POST', {
            householdId: id(target.sibling.households[2]),
          }),
      },
      {
        name: 'POST /v1/governance/motions/{id}/owner-votes: the owner',
        call: (id) =>
          api(`/v1/governance/motions/${target.same.ownersMotion}/owner-votes`, tokens.community, 'POST', {
            votes: [{ residentId: id(target.sibling.residents[0]), choice: 'yes' }],
          }),
      },
      {
        name: 'POST /v1/governance/consultations/{id}/summary: the meeting',
        call: async (id) => {
          await new Promise((r) => setTimeout(r, Math.max(0, target.same.closesAt - Date.now() + 100)));
          return api(
            `/v1/governance/consultations/${target.same.closingConsultation}/summary`,
            tokens.community,
            'POST',
            { summary: '越界', meetingId: id(target.sibling.meeting) },
          );
        },
      },
      {
        name: 'POST /v1/governance/honour-schemes/{id}/nominations: the unit',
        call: (id) =>
          api(`/v1/governance/honour-schemes/${target.same.scheme}/nominations`, tokens.community, 'POST', {
            period,
            unitNodeId: id(target.sibling.compoundId),
            householdId: target.same.households[1],
            displayName: '孙三家庭',
          }),
      },
      {
        name: 'POST /v1/governance/honour-schemes/{id}/nominations: the household',
        call: (id) =>
          api(`/v1/governance/honour-schemes/${target.same.scheme}/nominations`, tokens.community, 'POST', {
            period,
            unitNodeId: target.same.compoundId,
            householdId: id(target.sibling.households[1]),
            displayName: '越界家庭',
          }),
      },
      {
        name: 'POST /v1/governance/honour-schemes/{id}/awards: the meeting',
        call: (id) =>
          api(`/v1/governance/honour-schemes/${target.same.scheme}/awards`, tokens.community, 'POST', {
            period,
            meetingId: id(target.sibling.meeting),
            votes: [{ nominationId: target.same.nomination, votes: 1 }],
          }),
      },
      {
        name: 'POST /v1/governance/honour-schemes/{id}/awards: the nomination',
        call: (id) =>
          api(`/v1/governance/honour-schemes/${target.same.scheme}/awards`, tokens.community, 'POST', {
            period,
            meetingId: target.same.meeting,
            votes: [{ nominationId: id(target.sibling.nomination), votes: 1 }],
          }),
      },
      {
        name: 'POST /v1/governance/residents-groups: the covered node',
        call: (id) =>
          api('/v1/governance/residents-groups', tokens.community, 'POST', {
            scopeNodeId: target.same.communityId,
            name: `越界小组${random()}`.slice(0, 40),
            nodeIds: [id(target.sibling.compoundId)],
          }),
      },
      {
        name: 'PUT /v1/governance/residents-groups/{id}/representatives: the representatives',
        call: (id) =>
          api(
            `/v1/governance/residents-groups/${target.same.group}/representatives`,
            tokens.community,
            'PUT',
            {
              representativeIds: [id(target.sibling.residents[0]), id(target.sibling.residents[2])],
            },
          ),
      },
      {
        name: 'POST /v1/governance/elections/{id}/candidates: the resident',
        call: (id) =>
          api(`/v1/governance/elections/${target.same.draftElection}/candidates`, tokens.community, 'POST', {
            residentId: id(target.sibling.residents[2]),
            displayName: '越界',
          }),
      },
      {
        name: 'POST /v1/governance/elections/{id}/paper-ballots: the household',
        call: (id) =>
          api(
            `/v1/governance/elections/${target.same.votingElection}/paper-ballots`,
            tokens.community,
            'POST',
            {
              channel: 'paper',
              householdId: id(target.sibling.households[0]),
              candidateIds: [target.same.candidate],
            },
          ),
      },
      {
        name: 'POST /v1/governance/elections/{id}/paper-ballots: the candidate',
        call: (id) =>
          api(
            `/v1/governance/elections/${target.same.votingElection}/paper-ballots`,
            tokens.community,
            'POST',
            {
              channel: 'paper',
              householdId: target.same.households[1],
              candidateIds: [id(target.sibling.candidate)],
            },
          ),
      },
      {
        name: 'POST /v1/governance/elections/{id}/proxies: the principal',
        call: (id) =>
          api(`/v1/governance/elections/${target.same.proxyElection}/proxies`, tokens.community, 'POST', {
            principalResidentId: id(target.sibling.residents[0]),
            holderResidentId: target.same.residents[1],
            relation: 'spouse',
            documentRef: '委托书',
            principalDisplayName: '越界',
            holderDisplayName: '钱二',
          }),
      },
      {
        name: 'POST /v1/governance/elections/{id}/ballots: the elector a proxy votes for (resident.wang)',
        call: (id) =>
          api(`/v1/governance/elections/${target.same.votingElection}/ballots`, tokens.wang, 'POST', {
            candidateIds: [target.same.candidate],
            onBehalfOfResidentId: id(target.sibling.residents[0]),
          }),
      },
    ];

    it.each(probes)('$name', async ({ call }) => {
      const answer = async (res: Response) => {
        const body = (await json(res)) as { code?: string; errors?: unknown } | undefined;
        return { status: res.status, code: body?.code, errors: body?.errors };
      };
      const foreign = await answer(await call((sibling) => sibling));
      const unknown = await answer(await call(() => random()));
      expect(foreign.status).toBeGreaterThanOrEqual(400);
      expect(foreign).toEqual(unknown);
    });
  });

  /** Whatever the body, an object of another scope answers like one that does not exist (404). */
  describe('an object of another scope answers like one that does not exist, whatever the body', () => {
    it('POST /v1/governance/honour-schemes/{id}/nominations naming a resident for a household honour: 404, like an unknown scheme', async () => {
      // The honouree kind is checked only after the caller is known to see the scheme.
      const nominate = (schemeId: string) =>
        api(`/v1/governance/honour-schemes/${schemeId}/nominations`, tokens.community, 'POST', {
          period,
          unitNodeId: target.sibling.compoundId,
          residentId: target.sibling.residents[0],
          displayName: '越界',
        });
      const answer = async (res: Response) => ({
        status: res.status,
        code: ((await json(res)) as { code?: string }).code,
      });
      const unknown = await answer(await nominate(random()));
      expect(unknown).toEqual({ status: 404, code: 'HONOUR_SCHEME_NOT_FOUND' });
      expect(await answer(await nominate(target.sibling.scheme))).toEqual(unknown);
    });
  });

  const columnsOf = (route: Route) => {
    const actor = () => (route.who === 'resident' ? tokens.wang : tokens.community);
    const cells: Array<{
      column: Column;
      target: Key;
      token: () => string | undefined;
      expected: 'denied' | 'unauthenticated' | 'ok';
    }> = [
      { column: 'sibling community', target: 'sibling', token: actor, expected: 'denied' },
      { column: 'other district', target: 'far', token: actor, expected: 'denied' },
      { column: 'resident', target: 'same', token: () => tokens.zhang, expected: 'denied' },
      { column: 'anonymous', target: 'same', token: () => undefined, expected: 'unauthenticated' },
    ];
    if (route.who === 'both') {
      cells.push({
        column: 'resident of the scope',
        target: 'same',
        token: () => tokens.wang,
        expected: 'ok',
      });
    }
    cells.push({ column: 'same subtree', target: 'same', token: actor, expected: 'ok' });
    // The notice board is the same for everybody: every column reads the same compound's board.
    return route.public
      ? cells.map((c) => ({ ...c, target: 'same' as Key, expected: 'ok' as const }))
      : cells;
  };

  describe.each(routes)('$name', (route) => {
    for (const { column, target: key, token, expected } of columnsOf(route)) {
      const reason = route.bugs?.[column];
      (reason ? it.failing : it)(reason ? `${column} — BUG: ${reason}` : column, async () => {
        const t = target[key];
        const res = await route.call(t, token());
        const text = await res.text();
        const body = (text ? JSON.parse(text) : undefined) as { status?: number; code?: string } | undefined;
        if (expected === 'unauthenticated') {
          expect([res.status, body?.code]).toEqual([401, 'UNAUTHENTICATED']);
        } else if (expected === 'ok') {
          expect([res.status, body]).toEqual([route.ok, body]);
          if (route.public) {
            for (const id of [...t.households, ...t.residents]) expect(text).not.toContain(id);
          }
        } else {
          // A domain NOT_FOUND (not a missing route), as problem+json, naming nothing of the target.
          expect([res.status, body?.status, body?.code, text]).toEqual([
            404,
            404,
            expect.stringMatching(/^(?!ROUTE_)[A-Z_]+_NOT_FOUND$/),
            text,
          ]);
          expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          for (const name of [t.compoundName, t.communityName]) expect(text).not.toContain(name);
        }
      });
    }
  });
});
