import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bootstrapServiceDatabase } from '@linli/persistence';
import type { PlatformSettings } from './settings.js';

/**
 * V8 flags for the org service (as in its Dockerfile): a 2 MB young generation. With V8's default (tens of MB)
 * each scavenge took ≈ 27 ms on the 2-core machine and showed up as the tail of subtree queries (p99 10–13 ms);
 * with 2 MB they take ≈ 1.4 ms (decision 0014).
 */
export const ORG_NODE_ARGS = ['--max-semi-space-size=2'];

/** The repository root (this file is tools/platform/{src,dist}/platform.*). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface PlatformUrls {
  gateway: string;
  issuer: string;
  tokenEndpoint: string;
  docs: string;
  org: string;
  governance: string;
}

export interface RunningPlatform {
  urls: PlatformUrls;
  /** SIGTERM to every process, newest first; resolves with each one's exit code (0 = drained cleanly). */
  stop(): Promise<Record<string, number | null>>;
  /** Resolves when a process exits without being asked to (the platform is then broken). */
  crashed: Promise<string>;
}

type Out = (line: string) => void;

interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function run(
  name: string,
  script: string,
  env: Record<string, string>,
  out: Out,
  nodeArgs: string[] = [],
): Proc {
  const path = join(repoRoot, script);
  if (!existsSync(path)) throw new Error(`${script} is not built: run npm run build first`);
  const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, path], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl+C reaches only the launcher, which stops the processes in order.
    detached: true,
  });
  // If the launcher itself dies, take the platform down with it.
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => out(`[${name}] ${line}`));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, exited };
}

async function runToEnd(
  name: string,
  script: string,
  env: Record<string, string>,
  out: Out,
  args: string[] = [],
) {
  const path = join(repoRoot, script);
  const child = spawn(process.execPath, ['--enable-source-maps', path, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => out(`[${name}] ${line}`));
  }
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${name} failed (exit ${code})`);
}

async function waitReady(url: string, proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${proc.name} exited during start-up`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${proc.name} was not ready at ${url} within ${timeoutMs / 1000} s`);
}

/**
 * The development key for personal data at rest: made once per checkout and kept (git-ignored) so that data
 * encrypted yesterday can still be read today. Production takes PII_ENCRYPTION_KEY from a Secret.
 */
export function developmentPiiKey(): string {
  const file = join(repoRoot, '.linli', 'dev-pii.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * Brings the whole platform up on this machine: service databases and roles, migrations, the development
 * identity provider, the demo seed, org, governance and the gateway, each its own process, in that order.
 */
export async function startPlatform(
  s: PlatformSettings,
  out: Out = (l) => process.stdout.write(`${l}\n`),
): Promise<RunningPlatform> {
  const procs: Proc[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    const codes: Record<string, number | null> = {};
    for (const p of [...procs].reverse()) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
      codes[p.name] = await p.exited;
      clearTimeout(timer);
    }
    return codes;
  };
  try {
    out('[platform] creating service databases and roles');
    await bootstrapServiceDatabase(s.POSTGRES_ADMIN_URL, s.ORG_DATABASE_URL);
    await bootstrapServiceDatabase(s.POSTGRES_ADMIN_URL, s.GOVERNANCE_DATABASE_URL);

    const common = {
      NATS_URL: s.NATS_URL,
      NATS_SUBJECT_PREFIX: s.NATS_SUBJECT_PREFIX,
      NATS_STREAM_SUFFIX: s.NATS_STREAM_SUFFIX,
      LOG_LEVEL: s.LOG_LEVEL,
    };
    const orgEnv = {
      ...common,
      DATABASE_URL: s.ORG_DATABASE_URL,
      HTTP_PORT: String(s.ORG_HTTP_PORT),
      OTEL_SERVICE_NAME: 'linli-org',
      PII_ENCRYPTION_KEY: s.PII_ENCRYPTION_KEY ?? developmentPiiKey(),
    };
    const govEnv = {
      ...common,
      DATABASE_URL: s.GOVERNANCE_DATABASE_URL,
      HTTP_PORT: String(s.GOVERNANCE_HTTP_PORT),
      OTEL_SERVICE_NAME: 'linli-governance',
    };

    out('[platform] running migrations');
    await runToEnd('org-migrate', 'services/org/dist/database/migrate.js', orgEnv, out);
    await runToEnd('governance-migrate', 'services/governance/dist/database/migrate.js', govEnv, out);

    const issuer = `http://127.0.0.1:${s.DEV_IDP_PORT}/realms/linli`;
    const idp = run(
      'dev-idp',
      'tools/dev-idp/dist/main.js',
      { DEV_IDP_PORT: String(s.DEV_IDP_PORT), LOG_LEVEL: s.LOG_LEVEL },
      out,
    );
    procs.push(idp);
    await waitReady(`http://127.0.0.1:${s.DEV_IDP_PORT}/health/ready`, idp);

    if (!s.LINLI_SKIP_SEED) {
      out('[platform] seeding the demo city (成都市 divisions and demo operators)');
      await runToEnd('seed', 'services/org/dist/cli.js', orgEnv, out, [
        'seed-demo',
        '--realm',
        join(repoRoot, 'deploy/keycloak/linli-realm.json'),
      ]);
    }

    const instrument = (app: string) => ['--import', join(repoRoot, app, 'dist/instrument.js')];
    const org = run('org', 'services/org/dist/main.js', orgEnv, out, [
      ...instrument('services/org'),
      ...ORG_NODE_ARGS,
    ]);
    procs.push(org);
    const governance = run(
      'governance',
      'services/governance/dist/main.js',
      govEnv,
      out,
      instrument('services/governance'),
    );
    procs.push(governance);
    await Promise.all([
      waitReady(`http://127.0.0.1:${s.ORG_HTTP_PORT}/health/ready`, org),
      waitReady(`http://127.0.0.1:${s.GOVERNANCE_HTTP_PORT}/health/ready`, governance),
    ]);

    const gateway = run(
      'gateway',
      'gateway/dist/main.js',
      {
        ...common,
        HTTP_PORT: String(s.GATEWAY_PORT),
        HTTP_HOST: '127.0.0.1',
        OIDC_ISSUER: issuer,
        OIDC_AUDIENCE: 'linli-api',
        RPC_TIMEOUT_MS: String(s.RPC_TIMEOUT_MS),
        OTEL_SERVICE_NAME: 'linli-gateway',
      },
      out,
      instrument('gateway'),
    );
    procs.push(gateway);
    const gatewayUrl = `http://127.0.0.1:${s.GATEWAY_PORT}`;
    await waitReady(`${gatewayUrl}/health/ready`, gateway);

    const crashed = Promise.race(
      procs.map((p) =>
        p.exited.then((code) =>
          stopping ? new Promise<string>(() => undefined) : `${p.name} exited with ${code}`,
        ),
      ),
    );
    return {
      urls: {
        gateway: gatewayUrl,
        issuer,
        tokenEndpoint: `${issuer}/protocol/openid-connect/token`,
        docs: `${gatewayUrl}/docs`,
        org: `http://127.0.0.1:${s.ORG_HTTP_PORT}`,
        governance: `http://127.0.0.1:${s.GOVERNANCE_HTTP_PORT}`,
      },
      stop,
      crashed,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
