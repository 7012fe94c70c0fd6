import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { toJson } from '@bufbuild/protobuf';
import { TimestampSchema, timestampNow } from '@bufbuild/protobuf/wkt';
import { HouseholdsImportedSchema } from '@linli/contracts';
import { outboxRowTemplate } from '@linli/messaging';
import type { Logger } from '@linli/observability';
import { newId } from '@linli/persistence';
import { ageOn, parseResidentId, type PiiCipher } from '@linli/privacy';
import type { DataSource, EntityManager } from 'typeorm';
import { copyIn, copyRow } from '../database/bulk.js';
import { idsOfPath, pathLabel } from '../nodes/node.js';
import { NodeHistoryRepository } from '../nodes/nodes.repository.js';
import { checkRow, missingColumns, type RowError } from './household-row.js';
import { STAGE, type HouseholdPlace, type PreparedBatch, type PreparedFor } from './households.prepare.js';
import type { ReaderInput } from './households.reader.worker.js';
import { fileSha256, readHeader, readRows } from './import-source.js';

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
  /** Connections writing at once (1–8, default 2); a resumed job keeps the number it started with. */
  writers?: number;
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
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('the batch size must be a positive integer');
  if (
    options.writers !== undefined &&
    !(Number.isInteger(options.writers) && options.writers >= 1 && options.writers <= 8)
  )
    throw new RangeError('the number of writers must be an integer from 1 to 8');
  const today = new Date().toISOString().slice(0, 10);
  const started = performance.now();
  const sha = await fileSha256(options.file);
  const header = await readHeader(options.file);
  const missing = missingColumns(header);

  const [previous]: Array<{ id: string; writers: number; writer_rows: number[] }> = options.jobId
    ? await dataSource.query(`SELECT id, writers, writer_rows FROM import_jobs WHERE id = $1`, [
        options.jobId,
      ])
    : await dataSource.query(
        `SELECT id, writers, writer_rows FROM import_jobs WHERE file_sha256 = $1 AND status IN ('importing','failed')
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
  // Each person's first line (one entry per row: a million-household file holds two million).
  const seenIds = new Map<string, number>();
  const guardians: Array<{ line: number; id: string; minor: boolean }> = [];
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
        if (row.guardianIdNumber)
          guardians.push({ line, id: row.guardianIdNumber, minor: ageOn(row.birthDate, today) < 14 });
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
  // The birth date is in the ID number itself: a guardian in the file is an adult in it by their ID alone.
  const adultInFile = (id: string) => {
    const birth = seenIds.has(id) ? parseResidentId(id)?.birthDate : undefined;
    return birth !== undefined && ageOn(birth, today) >= 18;
  };
  const outsideGuardians = guardians.filter((g) => !adultInFile(g.id));
  // PI-4: a child whose guardian is in this file is written after everyone else, with the guardian's consent.
  const deferredLines = guardians.filter((g) => g.minor && adultInFile(g.id)).map((g) => g.line);
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

  const checkedAt = performance.now();
  // Pass 2: several writers (connections) at once, each owning whole compounds: a compound, its buildings and its
  // households are only ever written by one writer, so writers never wait on or duplicate each other's rows.
  // Compounds go to writers round-robin in the order the file first names them (the same file, the same
  // assignment, so a re-run resumes correctly). Each writer writes in batches, one transaction each, and records
  // with every batch the last row of the file up to which it has committed everything it owns. While a writer's
  // batch is written, the next rows are read, encrypted and laid out for COPY.
  const resumable = previous?.writer_rows.some((n) => n > 0);
  const writers = resumable ? previous!.writers : (options.writers ?? 2);
  const resumeAfter = resumable ? previous!.writer_rows : Array<number>(writers).fill(0);
  await dataSource.query(
    `UPDATE import_jobs SET status = 'importing', total_rows = $2, writers = $3, writer_rows = $4, updated_at = now()
      WHERE id = $1`,
    [jobId, total, writers, resumeAfter],
  );
  const base = {
    history: new NodeHistoryRepository(dataSource),
    communities,
    actor: options.actor ?? null,
    jobId,
    outbox: {
      imported: outboxRowTemplate(HouseholdsImportedSchema, { actorSubject: options.actor ?? undefined }),
    },
  };
  const lanes: Lane[] = resumeAfter.map((_, w) => ({
    w,
    ctx: { ...base, nodeCache: new Map(), householdCache: new Map(), knownHomes: new Set() },
    pending: Promise.resolve(),
  }));
  let imported = 0;
  let skipped = 0;
  let resumedFrom = 0;
  let committed = 0;
  let stopped = false;
  let interrupted = false;
  let everythingElse: Promise<unknown> | undefined;
  const write = async (lane: Lane, prepared: PreparedBatch, upTo: number | undefined) => {
    if (stopped) return;
    // Rows of the file this batch settles: all of a regular batch; of held-back children (offered again on every
    // resumed run), those written now.
    const rowsDone = (r: { imported: number }) => (upTo === undefined ? r.imported : prepared.places.length);
    try {
      const result = await dataSource.transaction(async (manager) => {
        // Safe without waiting for the WAL flush: the batch and how far the file got commit together, so after
        // a crash a re-run resumes from whichever batch is durable.
        await manager.query(`SET LOCAL synchronous_commit = off`);
        const r = await writeBatch(manager, prepared, lane.ctx);
        // How far this writer got commits with the rows themselves: a re-run resumes exactly here. (Children
        // held back until their guardians are written move no mark: a re-run offers them again.)
        await manager.query(
          `UPDATE import_jobs SET writer_rows[$2] = COALESCE($3, writer_rows[$2]), committed_rows = committed_rows + $4,
                  imported = imported + $5, skipped = skipped + $6, updated_at = now()
            WHERE id = $1`,
          [jobId, lane.w + 1, upTo ?? null, rowsDone(r), r.imported, r.skipped],
        );
        return r;
      });
      imported += result.imported;
      skipped += result.skipped;
      committed += rowsDone(result);
      options.onProgress?.('importing', resumedFrom + committed, total);
    } catch (e) {
      // The batch rolled back as a whole; the caches may hold ids from it.
      lane.ctx.nodeCache.clear();
      lane.ctx.householdCache.clear();
      lane.ctx.knownHomes.clear();
      throw e;
    }
  };
  // The file is read, encrypted and laid out in a worker thread; this thread only drives the connections.
  const reader = new Worker(readerUrl(), {
    workerData: {
      file: options.file,
      today,
      batchSize,
      resumeAfter,
      deferredLines,
      keys: cipher.keys(),
    } satisfies ReaderInput,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let ended = false;
      const fail = (e: unknown) => {
        stopped = true;
        reject(e);
      };
      reader.on('message', (m: ReaderMessage) => {
        resumedFrom = m.resumedFrom;
        if (m.kind === 'end') {
          ended = true;
          Promise.all(lanes.map((l) => l.pending)).then(() => resolve(), fail);
          return;
        }
        const lane = lanes[m.lane];
        // Children held back come after every other batch of every writer (their guardians are in those).
        if (m.final) everythingElse ??= Promise.all(lanes.map((l) => l.pending));
        const before = m.final ? Promise.all([lane.pending, everythingElse!]) : lane.pending;
        lane.pending = before.then(async () => {
          await write(lane, m.batch, m.upTo);
          if (!stopped) reader.postMessage({ credit: m.lane });
        });
        lane.pending.catch(fail);
        if (options.signal?.aborted && !stopped) {
          interrupted = true;
          fail(new Error('import interrupted; it resumes from the last committed batches'));
        }
      });
      reader.on('error', fail);
      reader.on('exit', (code) => {
        if (!ended) fail(new Error(`the import's reader thread stopped (exit code ${code})`));
      });
    });
  } catch (e) {
    stopped = true;
    await reader.terminate();
    // Batches being written finish (and commit with their progress); those not started are dropped.
    await Promise.allSettled(lanes.map((l) => l.pending));
    // An interrupted job stays 'importing': the service picks it up again when it starts.
    if (!interrupted)
      await dataSource.query(`UPDATE import_jobs SET status = 'failed', updated_at = now() WHERE id = $1`, [
        jobId,
      ]);
    throw e;
  } finally {
    // Gone once it has sent its last batch; made sure of here, so no thread outlives the import.
    await reader.terminate();
  }
  await dataSource.query(`UPDATE import_jobs SET status = 'completed', updated_at = now() WHERE id = $1`, [
    jobId,
  ]);
  if (imported > 10_000) await dataSource.query('ANALYZE households, residents, household_members');
  options.logger.info(
    {
      jobId,
      total,
      imported,
      skipped,
      resumedFrom,
      writers,
      checkMs: Math.round(checkedAt - started),
      writeMs: Math.round(performance.now() - checkedAt),
    },
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
    resumedFrom,
  };
}

/** One writer: its connection's batches, in order, and the compounds it owns. */
interface Lane {
  w: number;
  ctx: BatchContext;
  /** The lane's last batch written (each lane writes its batches one after the other). */
  pending: Promise<void>;
}

type ReaderMessage =
  ({ kind: 'batch'; resumedFrom: number } & PreparedFor) | { kind: 'end'; resumedFrom: number };

/** The reader thread's script: its compiled sibling (under Jest, which runs the sources, the built one). */
function readerUrl(): URL {
  const url = new URL('./households.reader.worker.js', import.meta.url);
  return existsSync(url) ? url : new URL(url.href.replace('/src/imports/', '/dist/imports/'));
}

interface BatchContext {
  jobId: string;
  history: NodeHistoryRepository;
  communities: Map<string, { id: string; path: string }>;
  nodeCache: Map<string, { id: string; path: string }>;
  householdCache: Map<string, string>;
  /**
   * Compounds and buildings this writer created in this run while householdCache holds every household under
   * them: nobody else knew them, so their households need no look-up (cleared whenever householdCache is).
   */
  knownHomes: Set<string>;
  actor: string | null;
  outbox: { imported: ReturnType<typeof outboxRowTemplate> };
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
  for (const c of created) {
    ctx.nodeCache.set(c.key, { id: c.id, path: c.path });
    ctx.knownHomes.add(c.id);
  }
}

async function writeBatch(manager: EntityManager, batch: PreparedBatch, ctx: BatchContext) {
  const rows = batch.places;
  // Where each row's household lives: compounds and buildings found or created for the whole batch …
  const communityOf = (r: HouseholdPlace) => ctx.communities.get(r.communityCode)!;
  await ensureNodes(
    manager,
    ctx,
    'compound',
    rows.map((r) => ({ parent: communityOf(r), name: r.compound })),
  );
  const compoundOf = (r: HouseholdPlace) => ctx.nodeCache.get(`${communityOf(r).id}/compound/${r.compound}`)!;
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
    const list = [...wanted.values()].filter((w) => !ctx.knownHomes.has(w.nodeId));
    const found: Array<{ id: string; node_id: string; label: string }> =
      list.length === 0
        ? []
        : await manager.query(
            // One index probe per household named (LATERAL … LIMIT 1): during an import the table's statistics
            // lag far behind its size, and a join could be planned as a hash of every household.
            `SELECT h.id, w.node_id, w.label FROM unnest($1::uuid[], $2::text[]) AS w(node_id, label)
               CROSS JOIN LATERAL (
                 SELECT x.id FROM households x WHERE x.node_id = w.node_id AND x.label = w.label LIMIT 1
               ) h`,
            [list.map((w) => w.nodeId), list.map((w) => w.label)],
          );
    for (const h of found) {
      ctx.householdCache.set(`${h.node_id}/${h.label}`, h.id);
      wanted.delete(`${h.node_id}/${h.label}`);
    }
    const toCreate = [...wanted.entries()].map(([key, w]) => ({ key, id: newId(), ...w }));
    if (toCreate.length) {
      await copyIn(
        manager,
        'households (id, node_id, label, created_by)',
        toCreate.map((c) => copyRow([c.id, c.nodeId, c.label, ctx.actor])),
      );
      for (const c of toCreate) {
        ctx.householdCache.set(c.key, c.id);
        newHouseholds.push({ id: c.id, nodeId: c.nodeId, nodePath: c.nodePath });
      }
    }
  }
  const householdOf = rows.map((_, i) => ctx.householdCache.get(keyOf(i))!);
  const created = new Set(newHouseholds.map((h) => h.id));
  // The cache only needs households that later rows may name again; keep it bounded.
  if (ctx.householdCache.size > 200_000) {
    ctx.householdCache.clear();
    ctx.knownHomes.clear();
  }

  // The residents go through a staging table; people already registered (same blind index) are skipped,
  // so re-runs are idempotent. Everything below is one statement per table.
  await manager.query(
    `CREATE TEMP TABLE households_import_stage (${STAGE.map(([c, t]) => `${c} ${t}`).join(', ')}) ON COMMIT DROP`,
  );
  await copyIn(
    manager,
    `households_import_stage (${STAGE.map(([c]) => c).join(', ')})`,
    batch.staged.map((line, i) => `${householdOf[i]}\t${created.has(householdOf[i]) ? 't' : 'f'}\t${line}`),
  );
  // Statistics for the planner (the row count above all; the columns the statements below filter and join on):
  // without them it guesses the staging table's size and may scan whole tables.
  await manager.query(`ANALYZE households_import_stage (resident_id, household_id, head_adult, minor)`);
  // Residents, their memberships and the households' first representatives in one statement. People already
  // registered (same blind index) are skipped, so re-runs are idempotent; only those inserted ("fresh") join.
  // The adult head represents a household that has no representative yet.
  const freshRows = (await manager.query(
    `WITH fresh AS (
       INSERT INTO residents (id, name, id_number_cipher, id_number_index, id_number_masked, mobile_cipher,
                              mobile_masked, birth_date, sex, created_by)
       SELECT resident_id, name, id_number_cipher, id_number_index, id_number_masked, mobile_cipher, mobile_masked,
              birth_date, sex, $1
         FROM households_import_stage
       ON CONFLICT (id_number_index) DO NOTHING
       RETURNING id
     ), members AS (
       INSERT INTO household_members (household_id, resident_id, relation)
       SELECT s.household_id, s.resident_id, s.relation FROM households_import_stage s JOIN fresh f ON f.id = s.resident_id
     ), representatives AS (
       INSERT INTO household_representatives (household_id, resident_id, valid_from, reason, changed_by)
       SELECT s.household_id, s.resident_id, now(), 'household head', $1
         FROM households_import_stage s JOIN fresh f ON f.id = s.resident_id
         -- One index probe per household that existed before this batch (a LATERAL with LIMIT cannot become a hash
         -- of every current representative, which the planner chose for NOT EXISTS once the table was large).
         LEFT JOIN LATERAL (
           SELECT true AS taken FROM household_representatives x
            WHERE NOT s.new_household AND x.household_id = s.household_id AND x.valid_to IS NULL
            LIMIT 1
         ) current ON true
        WHERE s.head_adult AND current.taken IS NULL
     )
     SELECT id FROM fresh`,
    [ctx.actor],
  )) as Array<{ id: string }>;
  const fresh = new Set(freshRows.map((r) => r.id));
  const imported = fresh.size;
  if (batch.minors > 0 && imported > 0) {
    // PI-4: a person under 14 is written with their guardian's consent, in the same transaction. The guardian
    // was registered before or is in this file (pass 1), and children with a guardian in the file come after
    // everyone else, so the guardian exists now; if not, the batch is refused whole rather than register a child
    // without a consent.
    const [{ minors, consents }]: Array<{ minors: number; consents: number }> = await manager.query(
      `WITH minors AS (
         SELECT s.resident_id, g.id AS guardian_id, s.consent_ref FROM households_import_stage s
           -- Index probes per child, whatever the (lagging) statistics of residents say.
           CROSS JOIN LATERAL (SELECT 1 FROM residents me WHERE me.id = s.resident_id LIMIT 1) fresh
           LEFT JOIN LATERAL (
             SELECT x.id FROM residents x WHERE x.id_number_index = s.guardian_index LIMIT 1
           ) g ON true
          WHERE s.minor
       ), consents AS (
         INSERT INTO guardian_consents (resident_id, guardian_resident_id, document_ref, recorded_by)
         SELECT resident_id, guardian_id, consent_ref, $1 FROM minors WHERE guardian_id IS NOT NULL
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM minors)::int AS minors, (SELECT count(*) FROM consents)::int AS consents`,
      [ctx.actor],
    );
    if (consents !== minors)
      throw new Error(
        `${minors - consents} people under 14 have no registered guardian (PI-4); the batch is refused`,
      );
  }
  await copyIn(
    manager,
    'outbox (id, subject, type, headers, payload)',
    importedEvents(batch, ctx, householdOf, newHouseholds, fresh),
  );
  return { imported, skipped: rows.length - imported };
}

/** Residents per evt.org.v1.households_imported: about 300 kB of JSON, well under NATS's 1 MB message limit. */
const RESIDENTS_PER_EVENT = 1000;

/**
 * The batch's evt.org.v1.households_imported events as outbox COPY rows: each with up to RESIDENTS_PER_EVENT
 * residents who joined and the new households among theirs, by place. Proto3 JSON exactly as toJson writes it (fields in
 * number order, empty lists left out; every value is an id, an enum name or a date, so nothing needs escaping).
 */
function importedEvents(
  batch: PreparedBatch,
  ctx: BatchContext,
  householdOf: string[],
  newHouseholds: Array<{ id: string; nodeId: string; nodePath: string }>,
  fresh: Set<string>,
): string[] {
  const template = ctx.outbox.imported;
  const occurredAt = toJson(TimestampSchema, timestampNow()) as string;
  const unsent = new Map(newHouseholds.map((h) => [h.id, h]));
  const events: string[] = [];
  // This event's new households by the node they live at (insertion order: the order they were first named).
  let places = new Map<string, { nodePath: string; householdIds: string[] }>();
  let residents: string[] = [];
  const emit = () => {
    if (places.size === 0 && residents.length === 0) return;
    const eventId = newId();
    const placeJson = [...places].map(([nodeId, p]) => {
      const path = idsOfPath(p.nodePath)
        .map((id) => `"${id}"`)
        .join(',');
      const ids = p.householdIds.map((id) => `"${id}"`).join(',');
      return `{"nodeId":"${nodeId}","nodePath":[${path}],"householdIds":[${ids}]}`;
    });
    const lists = [
      placeJson.length ? `"places":[${placeJson.join(',')}]` : '',
      residents.length ? `"residents":[${residents.join(',')}]` : '',
    ].filter(Boolean);
    const payload = `{"jobId":"${ctx.jobId}",${lists.join(',')},"occurredAt":"${occurredAt}"}`;
    events.push(copyRow([eventId, template.subject, template.type, template.headers(eventId), payload]));
    places = new Map();
    residents = [];
  };
  const household = (h: { id: string; nodeId: string; nodePath: string }) => {
    unsent.delete(h.id);
    const place = places.get(h.nodeId);
    if (place) place.householdIds.push(h.id);
    else places.set(h.nodeId, { nodePath: h.nodePath, householdIds: [h.id] });
  };
  batch.residentIds.forEach((id, i) => {
    if (!fresh.has(id)) return;
    const h = unsent.get(householdOf[i]);
    if (h) household(h);
    residents.push(`{"householdId":"${householdOf[i]}","residentId":"${id}",${batch.joinedTail[i]}}`);
    if (residents.length >= RESIDENTS_PER_EVENT) emit();
  });
  // Households whose people were all registered already (a re-run after a partial failure elsewhere).
  for (const h of [...unsent.values()]) household(h);
  emit();
  return events;
}
