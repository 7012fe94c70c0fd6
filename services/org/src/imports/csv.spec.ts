import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvRecords } from './csv.js';

describe('csvRecords (csv-parse, RFC 4180, for household files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linli-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const read = async (text: string) => {
    const file = join(dir, `f${Math.random()}.csv`);
    writeFileSync(file, text);
    const out: Array<{ line: number; fields: string[] }> = [];
    for await (const r of csvRecords(file)) out.push(r);
    return out;
  };

  it('reads quoted fields with commas, doubled quotes and line breaks; trims; skips empty lines; numbers lines as an editor does', async () => {
    const records = await read('\uFEFFa,b,c\r\n 1 , "x, y" ,z\r\n\r\n2,"say ""hi""",\n3,"two\nlines",end\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'z'] },
      { line: 4, fields: ['2', 'say "hi"', ''] },
      { line: 6, fields: ['3', 'two\nlines', 'end'] },
    ]);
  });

  it('refuses a quoted field that never closes', async () => {
    await expect(read('a,b\n1,"open\n')).rejects.toThrow('never closed');
  });
});
