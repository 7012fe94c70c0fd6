import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { AccessService, NodeService, PrincipalSchema } from '@linli/contracts';
import { RpcClient, connectNats } from '@linli/messaging';
import { bootstrapServiceDatabase, dropServiceDatabase } from '@linli/persistence';
import { platformSettings, preflight, repoRoot, startPlatform } from '@linli/platform';
import pg from 'pg';
import { load, machine, percentiles, step, writeSection } from './report.js';

/**
 * The national division tree (41,352 townships, 620,573 villages): import time on an empty database, then
 * subtree, breadcrumb and authorization latency through NATS → org → PostgreSQL on the whole tree.
 */
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2000);
/** Calls per query before measuring, on further random nodes (not among the measured ones). */
const WARM_UP = 200;
const admin = process.env.POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// BENCH_ORG_DATABASE_URL + BENCH_SKIP_IMPORT=1 measure the queries on an already imported tree (kept afterwards).
const orgUrl =
  process.env.BENCH_ORG_DATABASE_URL ??
  'postgres://linli_bench_national:bench@127.0.0.1:5432/linli_bench_national';
const skipImport = process.env.BENCH_SKIP_IMPORT === '1';
const piiKey = randomBytes(32).toString('base64');

function runNode(script: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, script), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}`))));
  });
}

const problems = await preflight({
  POSTGRES_ADMIN_URL: admin,
  NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
});
if (problems.length) throw new Error(problems.join('\n'));

let importSeconds = Number.NaN;
const loads: string[] = [];
if (!skipImport) {
  step('fresh bench database');
  await dropServiceDatabase(admin, orgUrl);
  await bootstrapServiceDatabase(admin, orgUrl);
  const env = { DATABASE_URL: orgUrl, PII_ENCRYPTION_KEY: piiKey, LOG_LEVEL: 'warn' };
  await runNode('services/org/dist/database/migrate.js', [], env);
  step('importing the national tree (progress below)');
  loads.push(load());
  const started = performance.now();
  await runNode('services/org/dist/cli.js', ['import-divisions', '--scope', ''], env);
  importSeconds = (performance.now() - started) / 1000;
  loads.push(load());
}

const db = new pg.Client({ connectionString: orgUrl });
await db.connect();
const [{ nodes }] = (await db.query('SELECT count(*)::int AS nodes FROM nodes')).rows;
const subject = 'bench-national-admin';
await db.query(
  `INSERT INTO role_assignments (id, subject, role, node_id, granted_at)
   SELECT gen_random_uuid(), $1, 'city_admin', id, now() FROM nodes WHERE depth = 0
   ON CONFLICT (subject, role, node_id) WHERE revoked_at IS NULL DO NOTHING`,
  [subject],
);
const sample = (
  await db.query(
    `SELECT id FROM nodes WHERE kind IN ('district','street','town','township') ORDER BY random() LIMIT $1`,
    [SAMPLES + WARM_UP],
  )
).rows.map((r: { id: string }) => r.id);
const leaves = (
  await db.query(`SELECT id FROM nodes WHERE kind IN ('community','village') ORDER BY random() LIMIT $1`, [
    SAMPLES + WARM_UP,
  ])
).rows.map((r: { id: string }) => r.id);
// The import's 665k events would keep the relay (and governance's consumer) busy for minutes and skew the
// latencies below; this run measures queries on a settled tree, so they are marked as already published …
await db.query('UPDATE outbox SET published_at = now() WHERE published_at IS NULL');
// … and vacuumed, as autovacuum would have done long ago on a settled tree, rather than in the middle of the run.
await db.query('VACUUM (ANALYZE) outbox');
await db.end();
// … and the bulk load's dirty pages written out (a checkpoint, as the server would do within minutes anyway), so
// that the checkpointer flushing gigabytes does not stall the reads measured below.
const server = new pg.Client({ connectionString: admin });
await server.connect();
await server.query('CHECKPOINT');
await server.end();

step('starting the platform on the national tree');
const settings = platformSettings({
  ...process.env,
  ORG_DATABASE_URL: orgUrl,
  GOVERNANCE_DATABASE_URL:
    'postgres://linli_bench_national_gov:bench@127.0.0.1:5432/linli_bench_national_gov',
  NATS_SUBJECT_PREFIX: 'benchnat.',
  NATS_STREAM_SUFFIX: '_BENCHNAT',
  DEV_IDP_PORT: '18081',
  GATEWAY_PORT: '13001',
  ORG_HTTP_PORT: '13111',
  GOVERNANCE_HTTP_PORT: '13112',
  LOG_LEVEL: 'warn',
  LINLI_SKIP_SEED: 'true',
  PII_ENCRYPTION_KEY: piiKey,
});
const platform = await startPlatform(settings, () => undefined);
const nc = await connectNats({ servers: settings.NATS_URL, name: 'bench' });
try {
  const rpc = new RpcClient(nc, { subjectPrefix: settings.NATS_SUBJECT_PREFIX, timeoutMs: 10_000 });
  const principal = create(PrincipalSchema, { subject, username: 'bench', roles: ['operator'] });
  const time = async (label: string, ids: string[], call: (id: string) => Promise<unknown>) => {
    // Warm-up (JIT, connection pools) on nodes that are not measured afterwards.
    for (const id of ids.slice(0, WARM_UP)) await call(id);
    const ms: number[] = [];
    for (const [i, id] of ids.slice(WARM_UP).entries()) {
      const t = performance.now();
      await call(id);
      ms.push(performance.now() - t);
      if (i % 500 === 0) step(`${label}: ${i}/${ids.length}`);
    }
    return { label, ...percentiles(ms) };
  };
  loads.push(load());
  const results = [
    await time('subtree page (100 nodes) of a district/street', sample, (id) =>
      rpc.call(NodeService.method.listSubtree, { rootId: id, limit: 100 }, { principal }),
    ),
    await time('breadcrumbs of a community/village', leaves, (id) =>
      rpc.call(NodeService.method.getNodePath, { id }, { principal }),
    ),
    await time('roll-up counts under a district/street', sample, (id) =>
      rpc.call(NodeService.method.countSubtree, { rootId: id }, { principal }),
    ),
    await time('authorization check (CheckAccess)', leaves, (id) =>
      rpc.call(AccessService.method.checkAccess, { subject, action: 'org.node.write', nodeId: id }),
    ),
  ];
  loads.push(load());
  const f = (n: number) => n.toFixed(2);
  await writeSection(
    'org-scale',
    [
      '## Org at national scale',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on this project's CI machine (${machine()}), PostgreSQL and NATS on the same machine.`,
      '',
      '```bash',
      'npm run bench -- org-scale      # BENCH_SAMPLES overrides the number of sampled nodes (2000)',
      '```',
      '',
      skipImport
        ? `- National tree of ${nodes.toLocaleString('en')} nodes imported earlier (import not timed in this run).`
        : `- National tree import (${nodes.toLocaleString('en')} nodes, each with its version row and ` +
          `evt.org.v1.node_registered outbox row; one audit row for the run) into an empty database: **${importSeconds.toFixed(1)} s** (target ≤ 60 s).`,
      `  The outbox rows are then marked published (and the outbox vacuumed), and a checkpoint writes the load out, so that the query latencies are measured on a settled tree (${WARM_UP} calls of warm-up per query on other nodes).`,
      `  1-minute load average at the start / end of ${skipImport ? 'the latency runs' : 'the import and of the latency runs'}: ${loads.join(' / ')} (other work shares the machine).`,
      '',
      'Latency of one call through NATS → org → PostgreSQL (sequential calls, random nodes of the national tree; target p99 ≤ 10 ms for subtree queries):',
      '',
      '| query | calls | p50 ms | p90 ms | p99 ms | max ms |',
      '|---|---|---|---|---|---|',
      ...results.map(
        (r) => `| ${r.label} | ${r.n} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${f(r.max)} |`,
      ),
    ].join('\n'),
  );
} finally {
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const jsm = await jetstreamManager(nc);
  for (const stream of ['EVT_ORG', 'EVT_GOVERNANCE', 'DEAD_LETTERS']) {
    await jsm.streams.delete(`${stream}${settings.NATS_STREAM_SUFFIX}`).catch(() => undefined);
  }
  await nc.close();
  await platform.stop();
  if (!skipImport) await dropServiceDatabase(admin, orgUrl).catch(() => undefined);
}
