import pRetry, { AbortError } from 'p-retry';
import type { DataSource, EntityManager } from 'typeorm';

/** SQLSTATEs that mean "the same transaction may well succeed if run again". */
export const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (sqlState(error) !== '23505') return false;
  if (!constraint) return true;
  const e = error as { constraint?: string; driverError?: { constraint?: string } };
  return (e.driverError?.constraint ?? e.constraint) === constraint;
}

/**
 * Runs work in one transaction and runs it again, with exponential backoff and jitter, when PostgreSQL
 * reports a serialization failure (40001) or a deadlock (40P01). TypeORM itself never retries. Any other
 * error aborts at once. `work` must be safe to run more than once (it is: nothing commits on failure).
 */
export async function withTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  options: { isolation?: IsolationLevel; retries?: number } = {},
): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await dataSource.transaction(options.isolation ?? 'READ COMMITTED', work);
      } catch (e) {
        if (RETRYABLE_SQLSTATES.has(sqlState(e) ?? '')) throw e;
        throw new AbortError(e as Error);
      }
    },
    { retries: options.retries ?? 5, minTimeout: 5, maxTimeout: 200, factor: 2, randomize: true },
  );
}

/**
 * Runs a statement and returns its rows. TypeORM's raw `query()` answers an UPDATE or DELETE with
 * `[rows, rowCount]` instead of the rows, so `UPDATE … RETURNING` results must go through this.
 */
export async function queryRows<T = Record<string, unknown>>(
  runner: { query(sql: string, params?: unknown[]): Promise<unknown> },
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const result = await runner.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
