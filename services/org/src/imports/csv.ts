import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';

/** csv-parse options shared by every CSV the org service reads: RFC 4180, fields trimmed, empty lines skipped. */
const OPTIONS = {
  bom: true,
  trim: true,
  skip_empty_lines: true,
  relax_column_count: true,
  // Files from spreadsheets and from Linux tools alike, even mixed.
  record_delimiter: ['\r\n', '\n'],
};

/**
 * Streams the records of a UTF-8 CSV file (RFC 4180: quoted fields may hold commas, doubled quotes and line
 * breaks) with csv-parse, fields trimmed, empty lines skipped, a byte-order mark ignored. `line` is the physical
 * line on which the record ends, as an editor numbers it.
 */
export async function* csvRecords(file: string): AsyncGenerator<{ line: number; fields: string[] }> {
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(parse({ ...OPTIONS, info: true }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      yield { line: info.lines, fields: record };
    }
  } catch (e) {
    const err = e as { code?: string; lines?: number; message: string };
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      throw new Error(`line ${err.lines ?? '?'}: a quoted field is never closed`, { cause: e });
    }
    throw e;
  }
}

/** The records of CSV text already in memory (csv-parse), each a list of trimmed fields. */
export function csvRows(text: string): string[][] {
  return parseSync(text, OPTIONS) as string[][];
}
