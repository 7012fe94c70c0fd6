import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import ExcelJS from 'exceljs';

export interface SourceRow {
  /** 1-based line (CSV) or row number (Excel) as a person sees it in the file. */
  line: number;
  raw: Record<string, unknown>;
}

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The header row of the file (lower-cased, trimmed). */
export async function readHeader(file: string): Promise<string[]> {
  for await (const { header } of rowsWithHeader(file)) return header;
  return [];
}

/** Streams the data rows of a CSV (UTF-8, with a header) or the first sheet of an .xlsx workbook. */
export async function* readRows(file: string): AsyncGenerator<SourceRow> {
  for await (const { row } of rowsWithHeader(file)) if (row) yield row;
}

async function* rowsWithHeader(file: string): AsyncGenerator<{ header: string[]; row?: SourceRow }> {
  const ext = extname(file).toLowerCase();
  if (ext === '.xlsx') {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
      sharedStrings: 'cache',
      worksheets: 'emit',
    });
    for await (const sheet of reader) {
      let header: string[] | undefined;
      for await (const r of sheet) {
        const values = (r.values as unknown[])
          .slice(1)
          .map((v) => (v && typeof v === 'object' && 'text' in v ? (v as { text: string }).text : v));
        if (!header) {
          header = values.map((v) =>
            String(v ?? '')
              .trim()
              .toLowerCase(),
          );
          yield { header };
          continue;
        }
        const raw = Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));
        yield { header, row: { line: r.number, raw } };
      }
      return; // first sheet only
    }
    return;
  }
  if (ext !== '.csv') throw new Error(`unsupported file type ${ext || '(none)'}: use .csv or .xlsx`);
  let header: string[] | undefined;
  for await (const { line, fields } of csvRecords(file)) {
    if (!header) {
      header = fields.map((c) => c.toLowerCase());
      yield { header };
      continue;
    }
    const raw: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) raw[header[i]] = fields[i] ?? '';
    yield { header, row: { line, raw } };
  }
}

/**
 * Streams the records of a UTF-8 CSV file (RFC 4180: quoted fields may hold commas, doubled quotes and line
 * breaks), fields trimmed, empty lines skipped, a byte-order mark ignored. `line` is the physical line on which
 * the record ends, as an editor numbers it. A hand-written reader: a million-household file is read twice
 * (check, then write), and a general CSV parser took most of the import's own CPU time.
 */
export async function* csvRecords(file: string): AsyncGenerator<{ line: number; fields: string[] }> {
  let rest = '';
  let lineNo = 0;
  let pending: string | undefined; // a record whose quoted field continues on the next line
  let first = true;
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const take = function* (physical: string) {
    lineNo++;
    const text = pending === undefined ? physical : `${pending}\n${physical}`;
    if (quoteCount(text) % 2 === 1) {
      pending = text;
      return;
    }
    pending = undefined;
    const record = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (record.trim() === '') return;
    yield { line: lineNo, fields: splitCsvRecord(record) };
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    let text = rest + chunk;
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      yield* take(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield* take(rest);
  if (pending !== undefined) throw new Error(`line ${lineNo}: a quoted field is never closed`);
}

function quoteCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/** The trimmed fields of one CSV record (quotes balanced). */
function splitCsvRecord(record: string): string[] {
  if (!record.includes('"')) return record.split(',').map((f) => f.trim());
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (record[i] === ' ' || record[i] === '\t') i++;
    let value: string;
    if (record[i] === '"') {
      value = '';
      let j = i + 1;
      for (;;) {
        const q = record.indexOf('"', j);
        value += record.slice(j, q);
        if (record[q + 1] === '"') {
          value += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const comma = record.indexOf(',', i);
      i = comma < 0 ? record.length : comma;
    } else {
      const comma = record.indexOf(',', i);
      value = record.slice(i, comma < 0 ? record.length : comma);
      i = comma < 0 ? record.length : comma;
    }
    fields.push(value.trim());
    if (i >= record.length) return fields;
    i++; // the comma
  }
}
