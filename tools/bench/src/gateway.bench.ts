import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';
import { startBenchPlatform } from './bench-platform.js';
import { machine, step, writeSection } from './report.js';

/**
 * `npm run bench`: an authenticated GET /v1/org/nodes/{id} through gateway → NATS → org → PostgreSQL, against
 * a bare Fastify + pg handler running the same query on the same database. Writes docs/benchmarks.md.
 */
const DURATION = Number(process.env.BENCH_DURATION_S ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

// The query org's NodesRepository.findById runs (kept in step by hand: this is the baseline).
const SELECT_NODE = `
  SELECT n.id, n.kind, n.name, n.official_name, n.code, n.parent_id, n.path::text AS path, n.depth, n.source,
         n.version, n.created_at,
         (SELECT count(*)::int FROM nodes c WHERE c.parent_id = n.id AND c.retired_at IS NULL) AS child_count
    FROM nodes n WHERE n.id = $1 AND n.retired_at IS NULL`;

interface Result {
  label: string;
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
}

async function load(label: string, url: string, headers: Record<string, string>): Promise<Result> {
  step(`${label}: warming up`);
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 3 });
  step(`${label}: ${DURATION} s with ${CONNECTIONS} connections`);
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url, headers, connections: CONNECTIONS, duration: DURATION },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    autocannon.track(instance, {
      renderProgressBar: true,
      renderResultsTable: false,
      renderLatencyTable: false,
    });
  });
  return {
    label,
    requests: r.requests.total,
    rps: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

const { platform, settings } = await startBenchPlatform();
const bare = Fastify({ logger: false });
const pool = new pg.Pool({ connectionString: settings.ORG_DATABASE_URL, max: 10 });
try {
  const tokenRes = await fetch(platform.urls.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('linli-demo-city-app:linli-demo-city-app-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const [{ id }] = (await pool.query(`SELECT id FROM nodes WHERE code = '510108007003'`)).rows;

  bare.get<{ Params: { id: string } }>('/v1/org/nodes/:id', async (req, reply) => {
    const { rows } = await pool.query(SELECT_NODE, [req.params.id]);
    if (!rows[0]) return reply.status(404).send({ status: 404 });
    return rows[0];
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

  const viaGateway = await load(
    'gateway → NATS → org → PostgreSQL',
    `${platform.urls.gateway}/v1/org/nodes/${id}`,
    {
      authorization: `Bearer ${token}`,
    },
  );
  const baseline = await load('bare Fastify + pg (same query)', `${bareUrl}/v1/org/nodes/${id}`, {});

  const ratio = baseline.rps / viaGateway.rps;
  const when = new Date().toISOString().slice(0, 10);
  const row = (r: Result) =>
    `| ${r.label} | ${r.requests.toLocaleString('en')} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${r.errors + r.non2xx} |`;
  const section = [
    '## Authenticated node read: gateway vs bare handler',
    '',
    `Measured ${when} on this project's CI machine (${machine()}), ` +
      `${CONNECTIONS} connections for ${DURATION} s each after a 3 s warm-up, load generator (autocannon) on the same machine.`,
    '',
    '```bash',
    'npm run bench -- gateway      # BENCH_DURATION_S and BENCH_CONNECTIONS override the defaults (15 s, 32)',
    '```',
    '',
    '| path | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |',
    '|---|---|---|---|---|---|---|---|',
    row(viaGateway),
    row(baseline),
    '',
    `Throughput ratio bare / platform: **${ratio.toFixed(2)}×** (the platform path validates the JWT, validates input, ` +
      'crosses NATS twice with proto3 JSON and trace headers, and records metrics).',
  ].join('\n');
  await writeSection('gateway-node-read', section);
  if (viaGateway.errors + viaGateway.non2xx > 0 || baseline.errors + baseline.non2xx > 0) {
    step('some requests failed: see the errors column');
    process.exitCode = 1;
  }
} finally {
  await bare.close();
  await pool.end();
  await platform.stop();
}
