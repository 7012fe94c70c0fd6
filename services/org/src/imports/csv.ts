import { createReadStream } from 'node:fs';

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

/** The trimmed fields of one CSV record (RFC 4180 quoting; a record may span lines only inside quotes). */
export function splitCsvRecord(record: string): string[] {
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
        if (q < 0) throw new Error(`unterminated quote in: ${record}`);
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
