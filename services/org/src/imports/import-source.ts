import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import ExcelJS from 'exceljs';
import { csvRecords } from './csv.js';

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
