import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { HouseholdsImportedSchema, MemberRelation } from '@linli/contracts';
import { PiiCipher, composeResidentId } from '@linli/privacy';
import { testLogger } from '@linli/testing';
import { importHouseholds } from '../src/imports/households.import.js';
import { orgFixture, type OrgFixture } from './support.js';

const HEADER =
  'community_code,compound,building,household,name,id_number,mobile,relation,guardian_id_number,consent_ref';
const year = new Date().getUTCFullYear();

describe('bulk households import from CSV and Excel (real PostgreSQL)', () => {
  let f: OrgFixture;
  let dir: string;
  let cipher: PiiCipher;
  const ds = () => f.org.runtime.dataSource;

  beforeAll(async () => {
    f = await orgFixture('org_imports');
    dir = mkdtempSync(join(tmpdir(), 'linli-import-'));
    // One key for every run of the importer in this suite, as one deployment has one key.
    cipher = new PiiCipher(PiiCipher.generateKey());
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await f.close();
  });

  const parent = composeResidentId('510108', '1982-03-04', 11);
  const child = composeResidentId('510108', `${year - 6}-05-06`, 12);
  const good = [
    HEADER,
    `510108007003,锦江苑,1栋,1-101,张伟,${parent},13800000001,head,,`,
    `510108007003,锦江苑,1栋,1-101,张小宝,${child},,child,${parent},GC-001`,
    `510108007003,锦江苑,,门卫室,李强,${composeResidentId('510108', '1990-01-01', 13)},,head,,`,
    `510182107001,关口小区,,3-2,王芳,${composeResidentId('510182', '1970-12-12', 14)},,head,,`,
  ].join('\n');

  const run = (file: string, batchSize = 2) =>
    importHouseholds(ds(), cipher, { file, logger: testLogger(), actor: 'test', batchSize });

  it('rejects a bad file whole, naming line, field and reason; nothing is written', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(
      file,
      [
        HEADER,
        `510108007003,锦江苑,1栋,1-102,赵六,${composeResidentId('510108', '1980-01-01', 21)},,head,,`,
        `510108007003,锦江苑,1栋,1-102,赵七,51010819800101002X,,boss,,`,
        `999999999999,某小区,,1,钱八,${composeResidentId('510108', '1980-01-01', 22)},,head,,`,
        `510108007003,锦江苑,1栋,1-103,孙九,${composeResidentId('510108', `${year - 5}-01-01`, 23)},,child,,`,
      ].join('\n'),
    );
    const before = await ds().query('SELECT count(*)::int AS n FROM residents');
    const report = await run(file);
    expect(report.status).toBe('rejected');
    expect(report.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'id_number'],
      [3, 'relation'],
      [4, 'community_code'],
      [5, 'guardian_id_number'],
      [5, 'consent_ref'],
    ]);
    expect(await ds().query('SELECT count(*)::int AS n FROM residents')).toEqual(before);
    const [job] = await ds().query('SELECT status, error_count FROM import_jobs WHERE id = $1', [
      report.jobId,
    ]);
    expect(job).toEqual({ status: 'rejected', error_count: 5 });
  });

  it('imports compounds, buildings, households and residents; a re-run is idempotent', async () => {
    const file = join(dir, 'good.csv');
    writeFileSync(file, good);
    const first = await run(file);
    expect(first).toMatchObject({ status: 'completed', totalRows: 4, imported: 4, skipped: 0 });
    const [counts] = await ds().query(`
      SELECT (SELECT count(*) FROM nodes WHERE kind = 'compound' AND name IN ('锦江苑','关口小区'))::int AS compounds,
             (SELECT count(*) FROM nodes WHERE kind = 'building' AND name = '1栋')::int AS buildings,
             (SELECT count(*) FROM households WHERE label IN ('1-101','门卫室','3-2'))::int AS households,
             (SELECT count(*) FROM guardian_consents)::int AS consents,
             (SELECT count(*) FROM household_representatives WHERE valid_to IS NULL)::int AS representatives`);
    expect(counts).toEqual({ compounds: 2, buildings: 1, households: 3, consents: 1, representatives: 3 });
    const dump = JSON.stringify(await ds().query('SELECT * FROM residents'));
    expect(dump).not.toContain(parent);
    expect(dump).not.toContain('13800000001');
    // One evt.org.v1.households_imported per batch, proto3 JSON exactly as toJson
    // writes it, carrying no personal data; together they register every new household and resident once.
    const events: Array<{ type: string; payload: JsonValue }> = await ds().query(
      `SELECT type, payload FROM outbox WHERE type = $1 ORDER BY id`,
      [HouseholdsImportedSchema.typeName],
    );
    expect(events).toHaveLength(3); // 锦江苑's three rows (one writer, batches of two), 关口小区's one (the other)
    const batches = events.map((e) => fromJson(HouseholdsImportedSchema, e.payload));
    events.forEach((e, i) => expect(toJson(HouseholdsImportedSchema, batches[i])).toEqual(e.payload));
    expect(new Set(batches.map((b) => b.jobId))).toEqual(new Set([first.jobId]));
    const joined = batches.flatMap((b) => b.residents);
    expect(joined).toHaveLength(4);
    expect(joined.map((r) => r.relation).sort()).toEqual(
      [MemberRelation.HEAD, MemberRelation.HEAD, MemberRelation.HEAD, MemberRelation.CHILD].sort(),
    );
    const places = batches.flatMap((b) => b.places);
    const registered = places.flatMap((p) => p.householdIds);
    expect(registered).toHaveLength(3);
    expect(new Set(joined.map((r) => r.householdId))).toEqual(new Set(registered));
    for (const p of places) expect(p.nodePath.at(-1)).toBe(p.nodeId);
    // 1-101 lives in 锦江苑's 1栋, 门卫室 in 锦江苑 itself, 3-2 in 关口小区: three places, each household at its own.
    const [located] = await ds().query(
      `SELECT count(*)::int AS n FROM households h
        JOIN unnest($1::uuid[], $2::uuid[]) AS e(household_id, node_id) ON e.household_id = h.id AND e.node_id = h.node_id`,
      [places.flatMap((p) => p.householdIds), places.flatMap((p) => p.householdIds.map(() => p.nodeId))],
    );
    expect(located.n).toBe(3);
    expect(JSON.stringify(events)).not.toContain(parent);
    const again = await run(file);
    expect(again).toMatchObject({ status: 'completed', imported: 0, skipped: 4 });
  });

  it('resumes after the last committed batch of the same file', async () => {
    const file = join(dir, 'resume.csv');
    const rows = Array.from(
      { length: 6 },
      (_, i) =>
        `510108007002,东路小区,,${i + 1},居民${i},${composeResidentId('510108', '1985-02-02', 100 + i)},,head,,`,
    );
    writeFileSync(file, [HEADER, ...rows].join('\n'));
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    // A run (of the one-writer kind, from before parallel writers) that died after committing four rows.
    await ds().query(
      `INSERT INTO import_jobs (id, kind, file_name, file_sha256, status, total_rows, committed_rows, writers, writer_rows)
       VALUES (gen_random_uuid(), 'households', 'resume.csv', $1, 'failed', 6, 4, 1, '{4}')`,
      [sha],
    );
    const report = await run(file);
    expect(report).toMatchObject({ status: 'completed', resumedFrom: 4, imported: 2 });
  });

  it('writes with two connections, each owning whole compounds, and resumes each where it stopped', async () => {
    // Six compounds (three of them with a building), each household's head and spouse far apart in the file, so batches of both writers interleave.
    const people = Array.from({ length: 48 }, (_, i) => {
      const compound = `并行${i % 6}苑`;
      const household = `${Math.floor(i / 6) % 4}-1`;
      const relation = i < 24 ? 'head' : 'spouse';
      return `510108007002,${compound},${i % 2 ? '2栋' : ''},${household},并行${i},${composeResidentId('510108', '1977-07-07', 400 + i)},,${relation},,`;
    });
    const file = join(dir, 'parallel.csv');
    writeFileSync(file, [HEADER, ...people].join('\n'));
    // The first run stops after its first committed batch (a service shutting down).
    const stop = new AbortController();
    await expect(
      importHouseholds(ds(), cipher, {
        file,
        logger: testLogger(),
        actor: 'test',
        batchSize: 4,
        writers: 2,
        signal: stop.signal,
        onProgress: (phase) => phase === 'importing' && stop.abort(),
      }),
    ).rejects.toThrow(/interrupted/);
    const [stopped] = await ds().query(
      `SELECT status, writers, writer_rows, committed_rows FROM import_jobs WHERE file_name = 'parallel.csv'`,
    );
    expect(stopped.status).toBe('importing');
    expect(stopped.writers).toBe(2);
    expect(stopped.committed_rows).toBeGreaterThan(0);
    expect(stopped.committed_rows).toBeLessThan(48);
    // Asked for one writer now, the job keeps its two (the same compounds to the same writer).
    const report = await importHouseholds(ds(), cipher, {
      file,
      logger: testLogger(),
      actor: 'test',
      batchSize: 4,
      writers: 1,
    });
    expect(report).toMatchObject({ status: 'completed', skipped: 0 });
    expect(report.imported + report.resumedFrom).toBe(48);
    const [counts] = await ds().query(`
      SELECT (SELECT count(*) FROM nodes WHERE kind = 'compound' AND name LIKE '并行%')::int AS compounds,
             (SELECT count(*) FROM nodes n JOIN nodes c ON n.parent_id = c.id
               WHERE n.kind = 'building' AND c.name LIKE '并行%')::int AS buildings,
             (SELECT count(*) FROM residents WHERE name LIKE '并行%')::int AS residents,
             (SELECT count(DISTINCT m.household_id) FROM household_members m JOIN residents r ON r.id = m.resident_id
               WHERE r.name LIKE '并行%')::int AS households,
             (SELECT count(*) FROM household_representatives p JOIN residents r ON r.id = p.resident_id
               WHERE r.name LIKE '并行%' AND p.valid_to IS NULL)::int AS representatives`);
    expect(counts).toEqual({
      compounds: 6,
      buildings: 3,
      residents: 48,
      households: 24,
      representatives: 24,
    });
    const [job] = await ds().query(
      `SELECT status, committed_rows FROM import_jobs WHERE file_name = 'parallel.csv'`,
    );
    expect(job).toEqual({ status: 'completed', committed_rows: 48 });
  });

  it('PI-4: children held back for their guardians are written on a resumed run too, each with a consent', async () => {
    const parents = [701, 702, 703, 704].map((n) => composeResidentId('510108', '1979-09-09', n));
    const kids = [711, 712].map((n) => composeResidentId('510108', `${year - 5}-03-03`, n));
    const file = join(dir, 'held-back.csv');
    writeFileSync(
      file,
      [
        HEADER,
        `510108007002,续传苑,,1-1,续传小一,${kids[0]},,child,${parents[0]},GC-711`,
        `510108007002,续传苑,,2-2,续传小二,${kids[1]},,child,${parents[3]},GC-712`,
        ...parents.map(
          (id, i) =>
            `510108007002,${i % 2 ? '续传西苑' : '续传苑'},,${i + 1}-${i + 1},续传家长${i},${id},,head,,`,
        ),
      ].join('\n'),
    );
    const stop = new AbortController();
    const options = { file, logger: testLogger(), actor: 'test', batchSize: 1, writers: 2 };
    await expect(
      importHouseholds(ds(), cipher, {
        ...options,
        signal: stop.signal,
        onProgress: (phase) => phase === 'importing' && stop.abort(),
      }),
    ).rejects.toThrow(/interrupted/);
    // Nothing under 14 was written without a consent, even in the middle of the job.
    const orphans = () =>
      ds().query(
        `SELECT r.name FROM residents r WHERE r.name LIKE '续传小%'
            AND NOT EXISTS (SELECT 1 FROM guardian_consents c WHERE c.resident_id = r.id)`,
      );
    expect(await orphans()).toEqual([]);
    const report = await importHouseholds(ds(), cipher, options);
    expect(report.status).toBe('completed');
    const [counts] = await ds().query(
      `SELECT (SELECT count(*) FROM residents WHERE name LIKE '续传%')::int AS people,
              (SELECT count(*) FROM guardian_consents c JOIN residents r ON r.id = c.resident_id
                WHERE r.name LIKE '续传小%')::int AS consents`,
    );
    expect(counts).toEqual({ people: 6, consents: 2 });
    expect(await orphans()).toEqual([]);
  });

  it('a household registered before keeps its representative when a later file brings its head', async () => {
    const first = composeResidentId('510108', '1960-06-06', 601);
    const later = composeResidentId('510108', '1988-08-08', 602);
    const fileA = join(dir, 'rep-a.csv');
    writeFileSync(fileA, [HEADER, `510108007002,代表苑,,1-1,老代表,${first},,head,,`].join('\n'));
    expect(await run(fileA)).toMatchObject({ status: 'completed', imported: 1 });
    // The first head is no longer the head, but stays the household's representative.
    await ds().query(
      `UPDATE household_members m SET relation = 'other' FROM residents r WHERE r.id = m.resident_id AND r.name = '老代表'`,
    );
    const fileB = join(dir, 'rep-b.csv');
    writeFileSync(fileB, [HEADER, `510108007002,代表苑,,1-1,新户主,${later},,head,,`].join('\n'));
    expect(await run(fileB)).toMatchObject({ status: 'completed', imported: 1 });
    const reps = await ds().query(
      `SELECT r.name FROM household_representatives p JOIN residents r ON r.id = p.resident_id
        JOIN households h ON h.id = p.household_id WHERE h.label = '1-1' AND p.valid_to IS NULL
          AND h.node_id IN (SELECT id FROM nodes WHERE name = '代表苑')`,
    );
    expect(reps).toEqual([{ name: '老代表' }]);
  });

  it('PI-4: records the consent of a child listed before the guardian (or written by the other writer)', async () => {
    const guardian = composeResidentId('510108', '1980-08-08', 501);
    const file = join(dir, 'guardian-later.csv');
    writeFileSync(
      file,
      [
        HEADER,
        // The child comes first, in another compound (so, with two writers, written by the other one).
        `510108007002,东湖苑,,1-1,小明,${composeResidentId('510108', `${year - 8}-01-01`, 502)},,child,${guardian},GC-501`,
        `510108007002,西湖苑,,9-9,外婆,${guardian},,head,,`,
      ].join('\n'),
    );
    const report = await importHouseholds(ds(), cipher, {
      file,
      logger: testLogger(),
      actor: 'test',
      batchSize: 1,
      writers: 2,
    });
    expect(report).toMatchObject({ status: 'completed', imported: 2 });
    const consents = await ds().query(
      `SELECT c.document_ref, g.name AS guardian FROM guardian_consents c
         JOIN residents r ON r.id = c.resident_id JOIN residents g ON g.id = c.guardian_resident_id
        WHERE r.name = '小明'`,
    );
    expect(consents).toEqual([{ document_ref: 'GC-501', guardian: '外婆' }]);
    // Never a child without a consent (PI-4): every person under 14 the import wrote has one.
    expect(
      await ds().query(
        `SELECT r.name FROM residents r WHERE r.birth_date > now() - interval '14 years'
            AND NOT EXISTS (SELECT 1 FROM guardian_consents c WHERE c.resident_id = r.id)`,
      ),
    ).toEqual([]);
  });

  it('reads the first sheet of an .xlsx workbook the same way', async () => {
    const file = join(dir, 'households.xlsx');
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('住户');
    sheet.addRow(HEADER.split(','));
    sheet.addRow([
      '510108007005',
      '东华小区',
      '',
      '2-1',
      '周敏',
      composeResidentId('510108', '1991-07-07', 31),
      '',
      'head',
      '',
      '',
    ]);
    await wb.xlsx.writeFile(file);
    const report = await run(file);
    expect(report).toMatchObject({ status: 'completed', totalRows: 1, imported: 1 });
  });
});
