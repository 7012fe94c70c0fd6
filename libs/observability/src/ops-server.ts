import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { metricsRegistry } from './metrics.js';

export type ReadinessCheck = () => Promise<void>;

export interface OpsServer {
  readonly port: number;
  /** Marks the process as draining: /health/ready answers 503 from now on. */
  drain(): void;
  close(): Promise<void>;
}

/** Runs every check with a time limit and reports each one. */
export async function runChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = 2000,
): Promise<{ ok: boolean; checks: Record<string, { status: 'up' | 'down'; error?: string }> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { status: 'up' as const }] as const;
      } catch (e) {
        return [name, { status: 'down' as const, error: (e as Error).message }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: entries.every(([, r]) => r.status === 'up'), checks: Object.fromEntries(entries) };
}

/**
 * The side port every service exposes for the platform: /health/live, /health/ready (the given
 * dependency checks, e.g. PostgreSQL and NATS) and /metrics (Prometheus).
 */
export async function startOpsServer(options: {
  port: number;
  host?: string;
  checks: Record<string, ReadinessCheck>;
  logger?: Logger;
}): Promise<OpsServer> {
  let draining = false;
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, { status: 'method not allowed' });
    if (path === '/health/live') return send(200, { status: 'up' });
    if (path === '/health/ready') {
      if (draining) return send(503, { status: 'draining' });
      void runChecks(options.checks).then((r) =>
        send(r.ok ? 200 : 503, { status: r.ok ? 'up' : 'down', ...r }),
      );
      return;
    }
    if (path === '/metrics') {
      void metricsRegistry.metrics().then((m) => send(200, m, metricsRegistry.contentType));
      return;
    }
    send(404, { status: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  options.logger?.info({ port }, 'ops server listening (/health/live, /health/ready, /metrics)');
  return {
    port,
    drain: () => {
      draining = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
