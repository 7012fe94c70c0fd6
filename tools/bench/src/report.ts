import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@linli/platform';

export const step = (m: string) => process.stderr.write(`[bench] ${m}\n`);

export function machine(): string {
  return `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** The 1-minute load average now: other work on a shared 2-core machine shows in every number. */
export function load(): string {
  return loadavg()[0].toFixed(1);
}

/** Replaces (or appends) one named section of docs/benchmarks.md. */
export async function writeSection(id: string, body: string): Promise<void> {
  const file = join(repoRoot, 'docs/benchmarks.md');
  const section = `<!-- bench:${id}:start -->\n${body.trim()}\n<!-- bench:${id}:end -->`;
  let doc = await readFile(file, 'utf8').catch(
    () => '# Benchmarks\n\nNumbers measured with `npm run bench`.\n',
  );
  const re = new RegExp(`<!-- bench:${id}:start -->[\\s\\S]*<!-- bench:${id}:end -->`);
  doc = re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`;
  await writeFile(file, doc);
  process.stdout.write(`${section}\n`);
}

/** p50/p90/p99/max of a list of durations in milliseconds. */
export function percentiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1] };
}
