import { enumToJson } from '@bufbuild/protobuf';
import { MEMBER_RELATIONS, MemberRelationSchema } from '@linli/contracts';
import { newId } from '@linli/persistence';
import { ageOn, dateTurning, maskId, maskMobile, type PiiCipher } from '@linli/privacy';
import { copyRow } from '../database/bulk.js';
import { checkRow, type HouseholdRow } from './household-row.js';
import { readRows } from './import-source.js';

/**
 * The CPU half of a households import, run in a worker thread (households.reader.worker.ts) so that the thread
 * driving the database connections is never busy when one of them answers: read the file, assign rows to
 * writers, encrypt and lay out each batch for COPY. No Nest, no TypeORM, no database.
 */

/** Each relation's enum name as proto3 JSON writes it. */
const RELATION_JSON = Object.fromEntries(
  Object.entries(MEMBER_RELATIONS).map(([k, v]) => [k, enumToJson(MemberRelationSchema, v) as string]),
);

/** Where a row's household lives (no personal data: only this crosses back to the writing thread). */
export type HouseholdPlace = Pick<HouseholdRow, 'communityCode' | 'compound' | 'building' | 'household'>;

/** A batch read, checked, encrypted and laid out for COPY: everything but where each household lives. */
export interface PreparedBatch {
  places: HouseholdPlace[];
  residentIds: string[];
  /** Per row, the COPY columns after household_id and new_household (STAGE), which the writer adds. */
  staged: string[];
  /** Per row, the tail of its resident_joined entry (relation and adultOn as proto3 JSON). */
  joinedTail: string[];
  /** People under 14 in the batch (their guardians' consents, PI-4). */
  minors: number;
}

/** The staging table's columns, in COPY order (the writer knows the first two; this thread the rest). */
export const STAGE = [
  ['household_id', 'uuid'],
  ['new_household', 'boolean'],
  ['resident_id', 'uuid'],
  ['name', 'text'],
  ['id_number_cipher', 'text'],
  ['id_number_index', 'text'],
  ['id_number_masked', 'text'],
  ['mobile_cipher', 'text'],
  ['mobile_masked', 'text'],
  ['birth_date', 'date'],
  ['sex', 'text'],
  ['relation', 'text'],
  ['head_adult', 'boolean'],
  ['minor', 'boolean'],
  ['guardian_index', 'text'],
  ['consent_ref', 'text'],
] as const;

export function prepareBatch(rows: HouseholdRow[], cipher: PiiCipher, today: string): PreparedBatch {
  const residentIds: string[] = [];
  const joinedTail: string[] = [];
  const staged: string[] = [];
  let minors = 0;
  for (const r of rows) {
    const age = ageOn(r.birthDate, today);
    const minor = age < 14;
    if (minor) minors++;
    const id = newId();
    residentIds.push(id);
    joinedTail.push(`"relation":"${RELATION_JSON[r.relation]}","adultOn":"${dateTurning(r.birthDate, 18)}"`);
    staged.push(
      copyRow([
        id,
        r.name,
        cipher.encrypt(r.idNumber, 'resident.id_number'),
        cipher.blindIndex(r.idNumber, 'resident.id_number'),
        maskId(r.idNumber),
        r.mobile ? cipher.encrypt(r.mobile, 'resident.mobile') : null,
        r.mobile ? maskMobile(r.mobile) : null,
        r.birthDate,
        r.sex,
        r.relation,
        r.relation === 'head' && age >= 18,
        minor,
        minor ? cipher.blindIndex(r.guardianIdNumber, 'resident.id_number') : null,
        minor ? r.consentRef : null,
      ]),
    );
  }
  const places = rows.map(({ communityCode, compound, building, household }) => ({
    communityCode,
    compound,
    building,
    household,
  }));
  return { places, residentIds, staged, joinedTail, minors };
}

export interface PreparedFor {
  /** The writer (0-based) that owns the batch's compounds. */
  lane: number;
  /**
   * The file row index of the batch's last row: the writer has everything it owns up to here (children held
   * back aside). Undefined for a batch of children held back (`final`).
   */
  upTo?: number;
  /** Children whose guardian is in the file, written once everything else is (PI-4). */
  final: boolean;
  batch: PreparedBatch;
}

/**
 * The rows of a checked file as batches per writer. Compounds go to writers round-robin in the order the file
 * first names them (the same file, the same assignment, so a re-run resumes correctly); rows a writer already
 * committed (index ≤ resumeAfter[writer]) are skipped.
 *
 * People under 14 whose guardian is in the same file (`deferredLines`) are held back and come last, in `final`
 * batches read in a second pass, so that each is written together with their guardian's consent (PI-4) whatever
 * the file's order and whichever writer writes the guardian. They are offered again on every resumed run (those
 * already registered are skipped by the writer).
 */
export async function* preparedBatches(input: {
  file: string;
  today: string;
  batchSize: number;
  resumeAfter: number[];
  deferredLines: number[];
  cipher: PiiCipher;
  /** Counts the rows skipped because an earlier run committed them. */
  stats: { resumedFrom: number };
}): AsyncGenerator<PreparedFor> {
  const writers = input.resumeAfter.length;
  const deferred = new Set(input.deferredLines);
  const laneOf = new Map<string, number>();
  const batches: HouseholdRow[][] = input.resumeAfter.map(() => []);
  const lastIndex = input.resumeAfter.map(() => 0);
  const cut = (lane: number, final: boolean): PreparedFor => {
    const rows = batches[lane];
    batches[lane] = [];
    return {
      lane,
      upTo: final ? undefined : lastIndex[lane],
      final,
      batch: prepareBatch(rows, input.cipher, input.today),
    };
  };
  const laneFor = (row: HouseholdRow) => {
    const key = `${row.communityCode}\u0000${row.compound}`;
    let lane = laneOf.get(key);
    if (lane === undefined) {
      lane = laneOf.size % writers;
      laneOf.set(key, lane);
    }
    return lane;
  };
  let index = 0;
  for await (const { line, raw } of readRows(input.file)) {
    index++;
    // Pass 1 checked every row: none is refused here.
    const row = checkRow(raw, line, input.today).row!;
    const lane = laneFor(row);
    if (deferred.has(line)) continue;
    if (index <= input.resumeAfter[lane]) {
      input.stats.resumedFrom++;
      continue;
    }
    batches[lane].push(row);
    lastIndex[lane] = index;
    if (batches[lane].length >= input.batchSize) yield cut(lane, false);
  }
  for (let lane = 0; lane < writers; lane++) if (batches[lane].length) yield cut(lane, false);
  if (deferred.size === 0) return;
  for await (const { line, raw } of readRows(input.file)) {
    if (!deferred.has(line)) continue;
    const row = checkRow(raw, line, input.today).row!;
    const lane = laneFor(row);
    batches[lane].push(row);
    if (batches[lane].length >= input.batchSize) yield cut(lane, true);
  }
  for (let lane = 0; lane < writers; lane++) if (batches[lane].length) yield cut(lane, true);
}
