import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { bootstrapServiceDatabase, dropServiceDatabase } from '@linli/persistence';
import { repoRoot } from '@linli/platform';
import { composeResidentId } from '@linli/privacy';
import pg from 'pg';
import { load, machine, step, writeSection } from './report.js';

/** Bulk import of synthetic households (head + spouse each) into Chengdu's compounds, timed end to end. */
const HOUSEHOLDS = Number(process.env.BENCH_HOUSEHOLDS ?? 1_000_000);
const admin = process.env.POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const orgUrl = 'postgres://linli_bench_households:bench@127.0.0.1:5432/linli_bench_households';
const env = {
  DATABASE_URL: orgUrl,
  PII_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: 'warn',
};

/** Runs a script of the repository with the bench's settings; resolves with its standard output. */
function runNode(script: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, script), ...args], {
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}`))));
  });
}

step('fresh bench database with Chengdu imported');
await dropServiceDatabase(admin, orgUrl);
await bootstrapServiceDatabase(admin, orgUrl);
await runNode('services/org/dist/database/migrate.js', []);
await runNode('services/org/dist/cli.js', ['import-divisions', '--scope', '5101']);
const db = new pg.Client({ connectionString: orgUrl });
await db.connect();
const communities: string[] = (
  await db.query(`SELECT code FROM nodes WHERE kind IN ('community','village') ORDER BY code`)
).rows.map((r: { code: string }) => r.code);

const dir = await mkdtemp(join(tmpdir(), 'linli-bench-households-'));
const file = join(dir, 'households.csv');
step(
  `writing ${HOUSEHOLDS.toLocaleString('en')} households (${(2 * HOUSEHOLDS).toLocaleString('en')} rows) to ${file}`,
);
const out = createWriteStream(file);
out.write('community_code,compound,building,household,name,id_number,mobile,relation\n');
const day = 86_400_000;
for (let h = 0; h < HOUSEHOLDS; h++) {
  const community = communities[h % communities.length];
  const compound = `小区${Math.floor(h / communities.length) % 12}`;
  const label = `${Math.floor(h / (communities.length * 12))}-${h % 97}`;
  for (let m = 0; m < 2; m++) {
    const n = 2 * h + m;
    const birth = new Date(Date.UTC(1950, 0, 1) + (Math.floor(n / 1000) % 18000) * day)
      .toISOString()
      .slice(0, 10);
    const region = `5101${String(Math.floor(n / 18_000_000) + 4).padStart(2, '0')}`;
    const line = `${community},${compound},,${label}#${h},居民${n},${composeResidentId(region, birth, n % 1000)},,${m === 0 ? 'head' : 'spouse'}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  if (h % 100_000 === 0 && h) step(`  ${h.toLocaleString('en')} households written`);
}
out.end();
await once(out, 'finish');

step('importing (progress below)');
const loadBefore = load();
const started = performance.now();
const output = await runNode('services/org/dist/cli.js', ['import-households', file, '--batch', '5000'], {
  LOG_LEVEL: 'info',
});
const seconds = (performance.now() - started) / 1000;
// The importer's own account of its two passes (its closing log line).
const phases = output
  .split('\n')
  .filter((l) => l.includes('households import completed'))
  .map((l) => JSON.parse(l) as { checkMs: number; writeMs: number; writers: number })[0];
const loadAfter = load();
const [{ households, residents }] = (
  await db.query(
    'SELECT (SELECT count(*) FROM households)::int AS households, (SELECT count(*) FROM residents)::int AS residents',
  )
).rows;
await db.end();
if (process.env.BENCH_KEEP) {
  step(`kept the file ${file} and the database ${orgUrl} (BENCH_KEEP)`);
} else {
  await rm(dir, { recursive: true, force: true });
  await dropServiceDatabase(admin, orgUrl);
}

await writeSection(
  'households-import',
  [
    '## Bulk households import',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on this project's CI machine (${machine()}), PostgreSQL on the same machine.`,
    '',
    '```bash',
    process.env.BENCH_HOUSEHOLDS
      ? `BENCH_HOUSEHOLDS=${HOUSEHOLDS} npm run bench -- households`
      : 'npm run bench -- households      # BENCH_HOUSEHOLDS overrides the number of households (1,000,000)',
    '```',
    '',
    `- ${households.toLocaleString('en')} households with ${residents.toLocaleString('en')} residents (head + spouse) across Chengdu's ` +
      `${communities.length.toLocaleString('en')} communities, from one CSV: **${seconds.toFixed(1)} s** ` +
      `(${Math.round(residents / seconds).toLocaleString('en')} residents/s; target: 1,000,000 households in ≤ 180 s).`,
    '  Includes checking the whole file first, encrypting ID numbers, the blind index, representatives and the outbox events.',
    phases
      ? `  Of that, checking the file: ${(phases.checkMs / 1000).toFixed(1)} s; writing with ${phases.writers} writers: ${(phases.writeMs / 1000).toFixed(1)} s.`
      : '  (The importer did not report its phases.)',
    `  1-minute load average before / after the import: ${loadBefore} / ${loadAfter} (other work shares the machine).`,
  ].join('\n'),
);
