import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { startPlatform, type RunningPlatform } from '../tools/platform/src/platform.js';
import { platformSettings } from '../tools/platform/src/settings.js';
import { uniqueSuffix } from '@linli/testing';
import { dropServiceDatabase } from '@linli/persistence';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface E2EPlatform extends RunningPlatform {
  logs: string[];
  /** Each service's own database, for tests that look at what a projection holds. */
  databaseUrls: { org: string; governance: string };
  /** Stops the platform (returning each process's exit code) and drops its databases and streams. */
  teardown(): Promise<Record<string, number | null>>;
}

/**
 * Boots the whole platform the way `npm start` does (separate processes for the identity provider, org,
 * governance and the gateway), on free ports, with its own databases and NATS subject space.
 */
export async function bootPlatform(): Promise<E2EPlatform> {
  const id = uniqueSuffix();
  const admin = process.env.POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const host = new URL(admin).host;
  const settings = platformSettings({
    POSTGRES_ADMIN_URL: admin,
    ORG_DATABASE_URL: `postgres://e2e_org_${id}:pw_${id}@${host}/e2e_org_${id}`,
    GOVERNANCE_DATABASE_URL: `postgres://e2e_gov_${id}:pw_${id}@${host}/e2e_gov_${id}`,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    NATS_SUBJECT_PREFIX: `e2e${id}.`,
    NATS_STREAM_SUFFIX: `_E2E${id.toUpperCase()}`,
    DEV_IDP_PORT: String(await freePort()),
    GATEWAY_PORT: String(await freePort()),
    ORG_HTTP_PORT: String(await freePort()),
    GOVERNANCE_HTTP_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    // Suites run side by side on 2 cores: give a loaded machine time rather than fail on a slow reply.
    RPC_TIMEOUT_MS: '15000',
    PII_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  const logs: string[] = [];
  const platform = await startPlatform(settings, (line) => logs.push(line)).catch((e) => {
    throw new Error(`${(e as Error).message}\n${logs.slice(-40).join('\n')}`);
  });
  return {
    ...platform,
    logs,
    databaseUrls: { org: settings.ORG_DATABASE_URL, governance: settings.GOVERNANCE_DATABASE_URL },
    async teardown() {
      const codes = await platform.stop();
      const { connect } = await import('@nats-io/transport-node');
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const nc = await connect({ servers: settings.NATS_URL });
      const jsm = await jetstreamManager(nc);
      for (const s of ['EVT_ORG', 'EVT_GOVERNANCE', 'DEAD_LETTERS', 'OBJ_UPLOADS']) {
        await jsm.streams.delete(`${s}${settings.NATS_STREAM_SUFFIX}`).catch(() => undefined);
      }
      await nc.close();
      await dropServiceDatabase(admin, settings.ORG_DATABASE_URL);
      await dropServiceDatabase(admin, settings.GOVERNANCE_DATABASE_URL);
      return codes;
    },
  };
}

export async function passwordToken(
  tokenEndpoint: string,
  username: string,
  password = 'demo',
): Promise<string> {
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'linli-console', username, password }),
  });
  if (!res.ok) throw new Error(`token for ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function clientToken(tokenEndpoint: string, clientId: string, secret: string): Promise<string> {
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  if (!res.ok) throw new Error(`client token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** One JSON call to the gateway: `method path`, as `token`'s bearer (none: anonymous), `body` as JSON if given. */
export function callGateway(
  gateway: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${gateway}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
