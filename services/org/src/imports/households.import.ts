import { basename } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { HouseholdRegisteredSchema, MemberRelation, ResidentJoinedSchema } from '@linli/contracts';
import { appendManyToOutbox } from '@linli/messaging';
import type { Logger } from '@linli/observability';
import { newId } from '@linli/persistence';
import { PiiCipher, ageOn, dateTurning, maskId, maskMobile } from '@linli/privacy';
import type { DataSource, EntityManager } from 'typeorm';
import { idsOfPath, pathLabel } from '../nodes/node.js';
import { NodeHistoryRepository } from '../nodes/nodes.repository.js';
import { checkRow, missingColumns, type HouseholdRow, type RowError } from './household-row.js';
import { fileSha256, readHeader, readRows } from './import-source.js';

const RELATION_ENUM: Record<string, MemberRelation> = {
  head: MemberRelation.HEAD,
  spouse: MemberRelation.SPOUSE,
  child: MemberRelation.CHILD,
  parent: MemberRelation.PARENT,
  grandchild: MemberRelation.GRANDCHILD,
  grandparent: MemberRelation.GRANDPARENT,
  sibling: MemberRelation.SIBLING,
  other: MemberRelation.OTHER,
};

const MAX_REPORTED_ERRORS = 1000;

export interface ImportJobReport {
  jobId: string;
  status: 'rejected' | 'completed';
  totalRows: number;
  imported: number;
  /** Rows whose person was already registered (a re-run, or the same person twice): nothing written. */
  skipped: number;
  errorCount: number;
  errors: RowError[];
  resumedFrom: number;
}

interface Options {
  file: string;
  logger: Logger;
  actor?: string;
  /** An existing job (started over HTTP) instead of one found or made by the file's SHA-256. */
  jobId?: string;
  /** Whether the importer may write under a community (the caller's scope); unset = trusted CLI. */
  mayWrite?: (path: string) => Promise<boolean>;
  /** Stops between batches (service shutdown); the job stays resumable. */
  signal?: AbortSignal;
  batchSize?: number;
  onProgress?: (phase: 'checking' | 'importing', done: number, total: number) => void;
}

/**
 * Imports compounds, buildings, households and residents from a CSV or .xlsx file.
 *
 * Pass 1 checks every row (line, field, reason), the communities named, duplicate people and the guardians of
 * people under 14 (PI-4); any error rejects the file and nothing is written. Pass 2 writes in batches, one
 * transaction each, recording after every batch how far it got: a re-run of the same file (same SHA-256)
 * resumes after the last committed batch, and people already registered are skipped, so a re-run is
 * idempotent. ID and phone numbers are encrypted (PI-1); events carry no personal data.
 */
export async function importHouseholds(
  dataSource: DataSource,
  cipher: PiiCipher,
  options: Options,
): Promise<ImportJobReport> {
  const batchSize = options.batchSize ?? 2000;
  const today = new Date().toISOString().slice(0, 10);
  const sha = await fileSha256(options.file);
  const header = await readHeader(options.file);
  const missing = missingColumns(header);

  const [previous]: Array<{ id: string; status: string; committed_rows: number }> = options.jobId
    ? await dataSource.query(`SELECT id, status, committed_rows FROM import_jobs WHERE id = $1`, [
        options.jobId,
      ])
    : await dataSource.query(
        `SELECT id, status, committed_rows FROM import_jobs WHERE file_sha256 = $1 AND status IN ('importing','failed')
          ORDER BY created_at DESC LIMIT 1`,
        [sha],
      );
  const jobId = previous?.id ?? options.jobId ?? newId();
  if (previous) {
    await dataSource.query(
      `UPDATE import_jobs SET file_sha256 = $2, status = 'validating', updated_at = now() WHERE id = $1`,
      [jobId, sha],
    );
  } else {
    await dataSource.query(
      `INSERT INTO import_jobs (id, kind, file_name, file_sha256, status, created_by) VALUES ($1, 'households', $2, $3, 'validating', $4)`,
      [jobId, basename(options.file), sha, options.actor ?? null],
    );
  }

  // Pass 1: check everything before writing anything.
  const errors: RowError[] = missing.map((c) => ({
    line: 1,
    field: c,
    reason: 'required column is missing',
  }));
  let total = 0;
  const seenIds = new Map<string, number>();
  const adultsInFile = new Set<string>();
  const guardians: Array<{ line: number; id: string }> = [];
  const communityLines = new Map<string, number[]>();
  if (missing.length === 0) {
    for await (const { line, raw } of readRows(options.file)) {
      total++;
      const { row, errors: rowErrors } = checkRow(raw, line, today);
      errors.push(...rowErrors);
      if (row) {
        const firstLine = seenIds.get(row.idNumber);
        if (firstLine)
          errors.push({
            line,
            field: 'id_number',
            reason: `the same person is already on line ${firstLine}`,
          });
        else seenIds.set(row.idNumber, line);
        if (ageOn(row.birthDate, today) >= 18) adultsInFile.add(row.idNumber);
        if (row.guardianIdNumber) guardians.push({ line, id: row.guardianIdNumber });
        const lines = communityLines.get(row.communityCode) ?? [];
        if (lines.length < 5) lines.push(line);
        communityLines.set(row.communityCode, lines);
      }
      if (total % 10_000 === 0) options.onProgress?.('checking', total, 0);
    }
  }
  const communities = new Map<string, { id: string; path: string }>();
  if (communityLines.size) {
    const rows: Array<{ id: string; code: string; path: string }> = await dataSource.query(
      `SELECT id, code, path::text AS path FROM nodes
        WHERE code = ANY($1::text[]) AND kind IN ('community','village') AND retired_at IS NULL`,
      [[...communityLines.keys()]],
    );
    for (const r of rows) {
      // Outside the caller's scope a community does not exist for them.
      if (!options.mayWrite || (await options.mayWrite(r.path)))
        communities.set(r.code, { id: r.id, path: r.path });
    }
    for (const [code, lines] of communityLines) {
      if (!communities.has(code)) {
        for (const line of lines)
          errors.push({ line, field: 'community_code', reason: `no community or village has code ${code}` });
      }
    }
  }
  const outsideGuardians = guardians.filter((g) => !adultsInFile.has(g.id));
  if (outsideGuardians.length) {
    const indexes = outsideGuardians.map((g) => cipher.blindIndex(g.id, 'resident.id_number'));
    const found = new Set(
      (
        await dataSource.query(
          `SELECT id_number_index FROM residents WHERE id_number_index = ANY($1::text[])`,
          [indexes],
        )
      ).map((r: { id_number_index: string }) => r.id_number_index),
    );
    outsideGuardians.forEach((g, i) => {
      if (!found.has(indexes[i])) {
        errors.push({
          line: g.line,
          field: 'guardian_id_number',
          reason: 'the guardian must be an adult in this file or a registered resident',
        });
      }
    });
  }
  errors.sort((a, b) => a.line - b.line);
  if (errors.length) {
    await dataSource.query(
      `UPDATE import_jobs SET status = 'rejected', total_rows = $2, errors = $3, error_count = $4, updated_at = now() WHERE id = $1`,
      [jobId, total, JSON.stringify(errors.slice(0, MAX_REPORTED_ERRORS)), errors.length],
    );
    options.logger.warn({ jobId, errors: errors.length }, 'import rejected: nothing was written');
    return {
      jobId,
      status: 'rejected',
      totalRows: total,
      imported: 0,
      skipped: 0,
      errorCount: errors.length,
      errors: errors.slice(0, MAX_REPORTED_ERRORS),
      resumedFrom: 0,
    };
  }

  // Pass 2: write in batches, resumable.
  const resumeFrom = previous?.committed_rows ?? 0;
  await dataSource.query(
    `UPDATE import_jobs SET status = 'importing', total_rows = $2, updated_at = now() WHERE id = $1`,
    [jobId, total],
  );
  const history = new NodeHistoryRepository(dataSource);
  const nodeCache = new Map<string, { id: string; path: string }>();
  const householdCache = new Map<string, string>();
  let index = 0;
  let batch: HouseholdRow[] = [];
  let imported = 0;
  let skipped = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const upTo = index;
    try {
      const result = await dataSource.transaction(async (manager) => {
        const r = await writeBatch(manager, rows, {
          cipher,
          history,
          communities,
          nodeCache,
          householdCache,
          actor: options.actor ?? null,
          today,
        });
        // How far the file is done commits with the rows themselves: a re-run resumes exactly here.
        await manager.query(
          `UPDATE import_jobs SET committed_rows = $2, imported = imported + $3, skipped = skipped + $4, updated_at = now()
            WHERE id = $1`,
          [jobId, upTo, r.imported, r.skipped],
        );
        return r;
      });
      imported += result.imported;
      skipped += result.skipped;
    } catch (e) {
      // The batch rolled back as a whole; the caches may hold ids from it.
      nodeCache.clear();
      householdCache.clear();
      await dataSource.query(`UPDATE import_jobs SET status = 'failed', updated_at = now() WHERE id = $1`, [
        jobId,
      ]);
      throw e;
    }
    options.onProgress?.('importing', upTo, total);
  };
  for await (const { line, raw } of readRows(options.file)) {
    index++;
    if (index <= resumeFrom) continue;
    batch.push(checkRow(raw, line, today).row!);
    if (batch.length >= batchSize) {
      if (options.signal?.aborted)
        throw new Error('import interrupted; it resumes from the last committed batch');
      await flush();
    }
  }
  await flush();
  await dataSource.query(`UPDATE import_jobs SET status = 'completed', updated_at = now() WHERE id = $1`, [
    jobId,
  ]);
  if (imported > 10_000) await dataSource.query('ANALYZE households, residents, household_members');
  options.logger.info(
    { jobId, total, imported, skipped, resumedFrom: resumeFrom },
    'households import completed',
  );
  return {
    jobId,
    status: 'completed',
    totalRows: total,
    imported,
    skipped,
    errorCount: 0,
    errors: [],
    resumedFrom: resumeFrom,
  };
}

interface BatchContext {
  cipher: PiiCipher;
  history: NodeHistoryRepository;
  communities: Map<string, { id: string; path: string }>;
  nodeCache: Map<string, { id: string; path: string }>;
  householdCache: Map<string, string>;
  actor: string | null;
  today: string;
}

/**
 * Compounds or buildings under their parents by name, for a whole batch: found in one statement, the missing
 * ones created in one statement with their versions and audit entries.
 */
async function ensureNodes(
  manager: EntityManager,
  ctx: BatchContext,
  kind: 'compound' | 'building',
  wants: Array<{ parent: { id: string; path: string }; name: string }>,
): Promise<void> {
  const keyOf = (parentId: string, name: string) => `${parentId}/${kind}/${name}`;
  const missing = new Map<string, { parent: { id: string; path: string }; name: string }>();
  for (const w of wants) {
    const key = keyOf(w.parent.id, w.name);
    if (!ctx.nodeCache.has(key)) missing.set(key, w);
  }
  if (missing.size === 0) return;
  const list = [...missing.values()];
  const found: Array<{ id: string; parent_id: string; name: string; path: string }> = await manager.query(
    `SELECT n.id, n.parent_id, n.name, n.path::text AS path FROM nodes n
       JOIN unnest($1::uuid[], $2::text[]) AS w(parent_id, name) ON n.parent_id = w.parent_id AND n.name = w.name
      WHERE n.kind = $3 AND n.retired_at IS NULL`,
    [list.map((w) => w.parent.id), list.map((w) => w.name), kind],
  );
  for (const n of found) {
    const key = keyOf(n.parent_id, n.name);
    ctx.nodeCache.set(key, { id: n.id, path: n.path });
    missing.delete(key);
  }
  const created = [...missing.entries()].map(([key, w]) => {
    const id = newId();
    return { key, id, name: w.name, parentId: w.parent.id, path: `${w.parent.path}.${pathLabel(id)}` };
  });
  if (created.length === 0) return;
  await manager.query(
    `INSERT INTO nodes (id, kind, name, parent_id, path, depth, source, created_by)
     SELECT id, $5, name, parent_id, path::ltree, nlevel(path::ltree) - 1, 'operator', $6
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) AS t(id, name, parent_id, path)`,
    [
      created.map((c) => c.id),
      created.map((c) => c.name),
      created.map((c) => c.parentId),
      created.map((c) => c.path),
      kind,
      ctx.actor,
    ],
  );
  await ctx.history.record(
    manager,
    created.map((c) => c.id),
    { action: 'register', actor: ctx.actor, reason: 'households import' },
  );
  for (const c of created) ctx.nodeCache.set(c.key, { id: c.id, path: c.path });
}

async function writeBatch(manager: EntityManager, rows: HouseholdRow[], ctx: BatchContext) {
  // Where each row's household lives: compounds and buildings found or created for the whole batch …
  const communityOf = (r: HouseholdRow) => ctx.communities.get(r.communityCode)!;
  await ensureNodes(
    manager,
    ctx,
    'compound',
    rows.map((r) => ({ parent: communityOf(r), name: r.compound })),
  );
  const compoundOf = (r: HouseholdRow) => ctx.nodeCache.get(`${communityOf(r).id}/compound/${r.compound}`)!;
  await ensureNodes(
    manager,
    ctx,
    'building',
    rows.filter((r) => r.building).map((r) => ({ parent: compoundOf(r), name: r.building })),
  );
  const homes = rows.map((r) =>
    r.building ? ctx.nodeCache.get(`${compoundOf(r).id}/building/${r.building}`)! : compoundOf(r),
  );
  // … and the households themselves, found or created for the whole batch in two statements.
  const keyOf = (i: number) => `${homes[i].id}/${rows[i].household}`;
  const wanted = new Map<string, { nodeId: string; nodePath: string; label: string }>();
  rows.forEach((r, i) => {
    const key = keyOf(i);
    if (!ctx.householdCache.has(key))
      wanted.set(key, { nodeId: homes[i].id, nodePath: homes[i].path, label: r.household });
  });
  const newHouseholds: Array<{ id: string; nodeId: string; nodePath: string }> = [];
  if (wanted.size) {
    const list = [...wanted.values()];
    const found: Array<{ id: string; node_id: string; label: string }> = await manager.query(
      `SELECT h.id, h.node_id, h.label FROM households h
         JOIN unnest($1::uuid[], $2::text[]) AS w(node_id, label) ON h.node_id = w.node_id AND h.label = w.label`,
      [list.map((w) => w.nodeId), list.map((w) => w.label)],
    );
    for (const h of found) {
      ctx.householdCache.set(`${h.node_id}/${h.label}`, h.id);
      wanted.delete(`${h.node_id}/${h.label}`);
    }
    const toCreate = [...wanted.entries()].map(([key, w]) => ({ key, id: newId(), ...w }));
    if (toCreate.length) {
      await manager.query(
        `INSERT INTO households (id, node_id, label, created_by)
         SELECT id, node_id, label, $4 FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(id, node_id, label)`,
        [toCreate.map((c) => c.id), toCreate.map((c) => c.nodeId), toCreate.map((c) => c.label), ctx.actor],
      );
      for (const c of toCreate) {
        ctx.householdCache.set(c.key, c.id);
        newHouseholds.push({ id: c.id, nodeId: c.nodeId, nodePath: c.nodePath });
      }
    }
  }
  const householdOf = rows.map((_, i) => ctx.householdCache.get(keyOf(i))!);
  // The cache only needs households that later rows may name again; keep it bounded.
  if (ctx.householdCache.size > 200_000) ctx.householdCache.clear();

  // People already registered are skipped (idempotent re-runs).
  const indexes = rows.map((r) => ctx.cipher.blindIndex(r.idNumber, 'resident.id_number'));
  const known = new Set(
    (
      await manager.query(`SELECT id_number_index FROM residents WHERE id_number_index = ANY($1::text[])`, [
        indexes,
      ])
    ).map((r: { id_number_index: string }) => r.id_number_index),
  );
  const fresh = rows.map((r, i) => ({ r, i, id: newId() })).filter(({ i }) => !known.has(indexes[i]));
  if (fresh.length) {
    await manager.query(
      `INSERT INTO residents (id, name, id_number_cipher, id_number_index, id_number_masked, mobile_cipher, mobile_masked,
                              birth_date, sex, created_by)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
                            $9::text[], $10::text[])`,
      [
        fresh.map((f) => f.id),
        fresh.map((f) => f.r.name),
        fresh.map((f) => ctx.cipher.encrypt(f.r.idNumber, 'resident.id_number')),
        fresh.map((f) => indexes[f.i]),
        fresh.map((f) => maskId(f.r.idNumber)),
        fresh.map((f) => (f.r.mobile ? ctx.cipher.encrypt(f.r.mobile, 'resident.mobile') : null)),
        fresh.map((f) => (f.r.mobile ? maskMobile(f.r.mobile) : null)),
        fresh.map((f) => f.r.birthDate),
        fresh.map((f) => f.r.sex),
        fresh.map(() => ctx.actor),
      ],
    );
    await manager.query(
      `INSERT INTO household_members (household_id, resident_id, relation)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
      [fresh.map((f) => householdOf[f.i]), fresh.map((f) => f.id), fresh.map((f) => f.r.relation)],
    );
    // The adult head represents a household that has no representative yet.
    const heads = fresh.filter((f) => f.r.relation === 'head' && ageOn(f.r.birthDate, ctx.today) >= 18);
    if (heads.length) {
      await manager.query(
        `INSERT INTO household_representatives (household_id, resident_id, valid_from, reason, changed_by)
         SELECT h, r, now(), 'household head', $3 FROM unnest($1::uuid[], $2::uuid[]) AS t(h, r)
          WHERE NOT EXISTS (SELECT 1 FROM household_representatives x WHERE x.household_id = t.h AND x.valid_to IS NULL)`,
        [heads.map((f) => householdOf[f.i]), heads.map((f) => f.id), ctx.actor],
      );
    }
    const minors = fresh.filter((f) => ageOn(f.r.birthDate, ctx.today) < 14);
    if (minors.length) {
      await manager.query(
        `INSERT INTO guardian_consents (resident_id, guardian_resident_id, document_ref, recorded_by)
         SELECT t.r, g.id, t.doc, $4 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(r, gidx, doc)
           JOIN residents g ON g.id_number_index = t.gidx`,
        [
          minors.map((f) => f.id),
          minors.map((f) => ctx.cipher.blindIndex(f.r.guardianIdNumber, 'resident.id_number')),
          minors.map((f) => f.r.consentRef),
          ctx.actor,
        ],
      );
    }
    await appendManyToOutbox(
      manager,
      ResidentJoinedSchema,
      fresh.map((f) =>
        create(ResidentJoinedSchema, {
          householdId: householdOf[f.i],
          residentId: f.id,
          relation: RELATION_ENUM[f.r.relation],
          adultOn: dateTurning(f.r.birthDate, 18),
          occurredAt: timestampNow(),
        }),
      ),
      { actorSubject: ctx.actor ?? undefined },
    );
  }
  if (newHouseholds.length) {
    await appendManyToOutbox(
      manager,
      HouseholdRegisteredSchema,
      newHouseholds.map((h) =>
        create(HouseholdRegisteredSchema, {
          householdId: h.id,
          nodeId: h.nodeId,
          nodePath: idsOfPath(h.nodePath),
          occurredAt: timestampNow(),
        }),
      ),
      { actorSubject: ctx.actor ?? undefined },
    );
  }
  return { imported: fresh.length, skipped: rows.length - fresh.length };
}
