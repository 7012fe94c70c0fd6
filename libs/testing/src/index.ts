import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '@linli/observability';
import { bootstrapServiceDatabase, dropServiceDatabase } from '@linli/persistence';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** Superuser URL of the machine's PostgreSQL (trust auth on this machine and in CI). */
export const adminUrl = process.env.POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Short random suffix so that each suite has its own databases, streams and subjects. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A private database and login role for one suite, made the way production bootstraps a service. */
export async function createTestDatabase(name: string): Promise<TestDatabase> {
  const id = `t_${name}_${uniqueSuffix()}`.toLowerCase();
  const host = new URL(adminUrl);
  const url = `postgres://${id}:${id}@${host.host}/${id}`;
  await bootstrapServiceDatabase(adminUrl, url);
  return { url, drop: () => dropServiceDatabase(adminUrl, url) };
}

/** Retries an assertion until it passes or the time is up (never a bare sleep). */
export async function expectEventually<T>(
  assertion: () => Promise<T> | T,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    try {
      return await assertion();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
    }
  }
}

/** A logger for tests: silent unless TEST_LOG_LEVEL is set. */
export function testLogger(name = 'test'): Logger {
  return createLogger(name, (process.env.TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent');
}

/** Deletes JetStream streams a suite made (missing ones are ignored). */
export async function deleteStreams(nc: NatsConnection, ...names: string[]): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
}
export * from './test-issuer.js';
