import pg from 'pg';
import type { EntityManager } from 'typeorm';

/**
 * COPY … FROM STDIN for bulk imports, on the connection of the caller's transaction: PostgreSQL's fastest way
 * in (no SQL statement per row, no array parameters to parse).
 */

type CopyValue = string | number | bigint | boolean | null | undefined;

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One row in COPY's text format (tab-separated, \N for NULL, backslash escapes), newline included. */
export function copyRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) line += '\t';
    if (v === null || v === undefined) line += '\\N';
    else {
      const s = typeof v === 'string' ? v : String(v);
      line += SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ESCAPES[c]) : s;
    }
  }
  return `${line}\n`;
}

interface CopyConnection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * Runs `COPY <target> FROM STDIN` with `rows` (copyRow lines, or their concatenation) in the manager's transaction; resolves with the
 * number of rows copied. `target` is trusted SQL (table and column list), never user input.
 */
export async function copyIn(
  manager: EntityManager,
  target: string,
  rows: readonly string[] | string,
): Promise<number> {
  if (rows.length === 0) return 0;
  const runner = manager.queryRunner as unknown as { databaseConnection?: pg.ClientBase } | undefined;
  const client = runner?.databaseConnection;
  if (!client) throw new Error('copyIn needs the connection of a transaction');
  const data = Buffer.from(typeof rows === 'string' ? rows : rows.join(''), 'utf8');
  return new Promise<number>((resolve, reject) => {
    const query = new pg.Query(`COPY ${target} FROM STDIN`, [], (err, result) =>
      err ? reject(err) : resolve(result?.rowCount ?? 0),
    ) as pg.Query & { handleCopyInResponse(connection: CopyConnection): void };
    query.handleCopyInResponse = (connection) => {
      const piece = 1 << 20;
      for (let at = 0; at < data.length; at += piece)
        connection.sendCopyFromChunk(data.subarray(at, at + piece));
      connection.endCopyFrom();
    };
    void client.query(query as unknown as pg.QueryConfig);
  });
}
