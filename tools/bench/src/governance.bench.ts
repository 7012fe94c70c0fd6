import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { startBenchPlatform } from './bench-platform.js';
import { machine, percentiles, step, writeSection } from './report.js';

/**
 * `npm run bench -- governance`: ballots cast per second through the gateway (resident token → gateway → NATS →
 * governance → PostgreSQL + outbox), and the tally of 100,000 ballots (target ≤ 1 s) through the gateway.
 *
 * The demo realm has two resident accounts, so the ballot load spreads over many elections: each of
 * BENCH_ELECTIONS elections is voted in by both residents (the same code path as one election with many
 * electors: token, roll check, one-ballot-per-elector insert, ballot, outbox event). The electorate inputs are
 * written straight into governance's projection tables (the event path is covered by the tests).
 */
const ELECTIONS = Number(process.env.BENCH_ELECTIONS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TALLY_BALLOTS = Number(process.env.BENCH_TALLY_BALLOTS ?? 100_000);
const TALLY_RUNS = Number(process.env.BENCH_TALLY_RUNS ?? 5);
const ZHANG = '0191a000-0000-7000-8000-000000000005';
const WANG = '0191a000-0000-7000-8000-000000000006';

async function token(endpoint: string, username: string): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'linli-console',
      username,
      password: 'demo',
    }),
  });
  if (!res.ok) throw new Error(`token for ${username}: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function inParallel<T>(items: T[], limit: number, work: (item: T, i: number) => Promise<void>) {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
        if (++done % Math.max(1, Math.floor(items.length / 10)) === 0) step(`  ${done}/${items.length}`);
      }
    }),
  );
}

const { platform, settings } = await startBenchPlatform();
const org = new pg.Pool({ connectionString: settings.ORG_DATABASE_URL, max: 2 });
const gov = new pg.Pool({ connectionString: settings.GOVERNANCE_DATABASE_URL, max: 4 });
try {
  const api = async (path: string, bearer: string, body?: unknown) => {
    const res = await fetch(`${platform.urls.gateway}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const operator = await token(platform.urls.tokenEndpoint, 'community.operator');
  const voters = [
    { subject: ZHANG, token: await token(platform.urls.tokenEndpoint, 'resident.zhang') },
    { subject: WANG, token: await token(platform.urls.tokenEndpoint, 'resident.wang') },
  ];
  // The community operator's community (realm scope code) and its path from the root.
  const { rows: path } = await org.query(
    `SELECT a.id FROM nodes n JOIN nodes a ON a.path @> n.path WHERE n.code = '510108007003' ORDER BY a.depth`,
  );
  const ids = path.map((r) => r.id as string);
  const community = ids[ids.length - 1];
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

  step('electorate: two residents of the community with their accounts (projection tables)');
  const residents: string[] = [];
  for (const v of voters) {
    const household = randomUUID();
    const resident = randomUUID();
    residents.push(resident);
    await gov.query(
      `INSERT INTO org_households (household_id, node_id, node_path, located_at) VALUES ($1, $2, $3::uuid[], now())`,
      [household, community, ids],
    );
    await gov.query(
      `INSERT INTO org_residents (resident_id, household_id, head, adult_on, joined_at)
       VALUES ($1, $2, true, '1990-01-01', now() - interval '1 day')`,
      [resident, household],
    );
    await gov.query(
      `INSERT INTO resident_accounts (subject, resident_id, linked_at) VALUES ($1, $2, now())
       ON CONFLICT (subject) DO UPDATE SET resident_id = EXCLUDED.resident_id, linked_at = now()`,
      [v.subject, resident],
    );
  }

  step(`setting up ${ELECTIONS} open elections through the gateway`);
  const elections: Array<{ id: string; candidates: string[] }> = [];
  await inParallel(
    Array.from({ length: ELECTIONS }, (_, i) => i),
    8,
    async (i) => {
      const e = (await api('/v1/governance/elections', operator, {
        scopeNodeId: community,
        title: `压测选举 ${i + 1}`,
        mode: 'all_voters',
        seats: 1,
        electionDay: today,
      })) as { id: string };
      await api(`/v1/governance/elections/${e.id}/roll`, operator, {});
      await api(`/v1/governance/elections/${e.id}/candidates`, operator, {
        residentId: residents[0],
        displayName: '张伟',
      });
      await api(`/v1/governance/elections/${e.id}/candidates`, operator, {
        residentId: residents[1],
        displayName: '王芳',
      });
      const open = (await api(`/v1/governance/elections/${e.id}/open`, operator, {})) as {
        candidates: Array<{ id: string }>;
      };
      elections.push({ id: e.id, candidates: open.candidates.map((c) => c.id) });
    },
  );

  const casts = elections.flatMap((e) => voters.map((v, k) => ({ e, v, k })));
  step(`casting ${casts.length} ballots with ${CONCURRENCY} in flight`);
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  await inParallel(casts, CONCURRENCY, async ({ e, v, k }) => {
    const t0 = performance.now();
    const res = await fetch(`${platform.urls.gateway}/v1/governance/elections/${e.id}/ballots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${v.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ candidateIds: [e.candidates[k % 2]] }),
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (res.status !== 201) failures++;
  });
  const seconds = (performance.now() - started) / 1000;
  const cast = percentiles(latencies);

  step(`tally: ${TALLY_RUNS} closed elections of ${TALLY_BALLOTS.toLocaleString('en')} ballots each`);
  const tallies: number[] = [];
  for (let run = 0; run < TALLY_RUNS; run++) {
    const e = elections[run];
    // Close it, then give it a roll and ballots of the bench's size (5 candidates; each ballot picks one).
    await api(`/v1/governance/elections/${e.id}/close`, operator, {});
    await gov.query(`DELETE FROM ballots WHERE election_id = $1`, [e.id]);
    await gov.query(
      `INSERT INTO candidates (id, election_id, resident_id, display_name)
       SELECT gen_random_uuid(), $1, gen_random_uuid(), '候选人' || g FROM generate_series(3, 5) g`,
      [e.id],
    );
    await gov.query(
      `INSERT INTO electorate (election_id, voter_key, resident_id)
       SELECT $1, v, v FROM (SELECT gen_random_uuid() AS v FROM generate_series(1, $2)) x`,
      [e.id, Math.ceil(TALLY_BALLOTS * 1.5)],
    );
    await gov.query(
      `UPDATE elections SET registered_electors = (SELECT count(*) FROM electorate WHERE election_id = $1) WHERE id = $1`,
      [e.id],
    );
    await gov.query(
      `INSERT INTO ballots (election_id, round, choices, receipt, channel)
       SELECT $1, 1, ARRAY[c.ids[1 + (g % 5)]], encode(sha256(convert_to($1::text || g, 'UTF8')), 'hex'), 'online'
         FROM generate_series(1, $2) g,
              (SELECT array_agg(id ORDER BY created_at, id) AS ids FROM candidates WHERE election_id = $1) c`,
      [e.id, TALLY_BALLOTS],
    );
    await gov.query(`VACUUM ANALYZE ballots`);
    const t0 = performance.now();
    const out = (await api(`/v1/governance/elections/${e.id}/tally`, operator, {})) as {
      tally: { ballotsCast: number };
    };
    tallies.push(performance.now() - t0);
    if (out.tally.ballotsCast !== TALLY_BALLOTS) throw new Error(`tally counted ${out.tally.ballotsCast}`);
    step(`  run ${run + 1}: ${tallies[run].toFixed(0)} ms`);
  }
  const t = percentiles(tallies);

  const when = new Date().toISOString().slice(0, 10);
  await writeSection(
    'governance',
    [
      '## Governance: ballots through the gateway, tally of 100,000 ballots',
      '',
      `Measured ${when} on this project's CI machine (${machine()}); the whole platform, PostgreSQL, NATS and the ` +
        'load generator share the machine.',
      '',
      '```bash',
      'npm run bench -- governance   # BENCH_ELECTIONS (1000), BENCH_CONNECTIONS (32), BENCH_TALLY_BALLOTS (100000), BENCH_TALLY_RUNS (5)',
      '```',
      '',
      `- Ballots cast online through the gateway (resident token → gateway → NATS → governance: roll check, ` +
        `one-ballot-per-elector insert, ballot, outbox event in one transaction): **${casts.length.toLocaleString('en')} ballots in ` +
        `${seconds.toFixed(1)} s = ${(casts.length / seconds).toFixed(0)} ballots/s** with ${CONCURRENCY} in flight; latency ` +
        `p50 ${cast.p50.toFixed(1)} ms, p90 ${cast.p90.toFixed(1)} ms, p99 ${cast.p99.toFixed(1)} ms, max ${cast.max.toFixed(0)} ms; ` +
        `${failures} failed.`,
      `- Tally of ${TALLY_BALLOTS.toLocaleString('en')} ballots (5 candidates, ${Math.ceil(TALLY_BALLOTS * 1.5).toLocaleString('en')} registered) ` +
        `through the gateway (count, digest of the sorted receipts, RC-8 rules, tally stored): ` +
        `**p50 ${t.p50.toFixed(0)} ms, max ${t.max.toFixed(0)} ms** over ${t.n} runs (target ≤ 1 s).`,
    ].join('\n'),
  );
  if (failures > 0) process.exitCode = 1;
} finally {
  await org.end();
  await gov.end();
  await platform.stop();
}
