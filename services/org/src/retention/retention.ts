import type { Logger } from '@linli/observability';
import { newId } from '@linli/persistence';
import { maskName } from '@linli/privacy';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * PI-5: every category of personal data the org service keeps has a purpose and a retention period; when the
 * purpose is over, a scheduled job anonymises or deletes the records in batches and logs each action (counts,
 * category, policy version — never the records themselves).
 */
export type RetentionCategory = 'resident_identifiers' | 'guardian_consents' | 'pi_access_log';
export type RetentionAction = 'anonymise' | 'delete';

/** What each category is, what the job does to it, and the shortest retention the law or the platform allows. */
export const RETENTION_CATEGORIES: Record<
  RetentionCategory,
  { action: RetentionAction; minimumDays: number; counts: string }
> = {
  // ID number, phone and name of a resident: needed while they live here; the period counts from leaving.
  resident_identifiers: { action: 'anonymise', minimumDays: 1, counts: 'days after the resident left' },
  // PI-4 consent of a guardian for a resident under 14: evidence while the resident lives here.
  guardian_consents: { action: 'delete', minimumDays: 1, counts: 'days after the resident left' },
  // PI-1 log of full-ID reads: kept at least six months (PI-5); 184 days is the longest six months can be.
  pi_access_log: { action: 'delete', minimumDays: 184, counts: 'days after the read' },
};

export interface RetentionPolicy {
  category: RetentionCategory;
  version: number;
  purpose: string;
  retentionDays: number;
  action: RetentionAction;
  configuredBy: string | null;
  configuredAt: Date;
}

export class RetentionPolicyError extends Error {}

/** Refuses a policy the rules do not allow (an unknown category, a period below the category's minimum). */
export function checkPolicy(category: string, retentionDays: number, purpose: string): RetentionCategory {
  const rule = RETENTION_CATEGORIES[category as RetentionCategory];
  if (!rule) throw new RetentionPolicyError(`unknown personal-data category ${category}`);
  if (!Number.isInteger(retentionDays) || retentionDays < rule.minimumDays) {
    throw new RetentionPolicyError(
      `${category} must be kept at least ${rule.minimumDays} days (PI-5); ${retentionDays} refused`,
    );
  }
  const p = purpose.trim();
  if (p.length < 10 || p.length > 500)
    throw new RetentionPolicyError('say what the data is for (10–500 characters)');
  return category as RetentionCategory;
}

export async function currentPolicies(db: DataSource | EntityManager): Promise<RetentionPolicy[]> {
  const rows: Array<Record<string, unknown>> = await db.query(
    `SELECT DISTINCT ON (category) category, version, purpose, retention_days, action, configured_by, configured_at
       FROM pi_retention_policies ORDER BY category, version DESC`,
  );
  return rows.map((r) => ({
    category: r.category as RetentionCategory,
    version: r.version as number,
    purpose: r.purpose as string,
    retentionDays: r.retention_days as number,
    action: r.action as RetentionAction,
    configuredBy: r.configured_by as string | null,
    configuredAt: r.configured_at as Date,
  }));
}

/** A new version of a category's policy (policies are never edited in place). */
export async function configurePolicy(
  dataSource: DataSource,
  change: { category: string; retentionDays: number; purpose?: string; by: string },
): Promise<RetentionPolicy> {
  return dataSource.transaction(async (manager) => {
    await manager.query(`LOCK TABLE pi_retention_policies IN SHARE ROW EXCLUSIVE MODE`);
    const current = (await currentPolicies(manager)).find((p) => p.category === change.category);
    const purpose = change.purpose ?? current?.purpose ?? '';
    const category = checkPolicy(change.category, change.retentionDays, purpose);
    await manager.query(
      `INSERT INTO pi_retention_policies (category, version, purpose, retention_days, action, configured_by)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        category,
        (current?.version ?? 0) + 1,
        purpose.trim(),
        change.retentionDays,
        RETENTION_CATEGORIES[category].action,
        change.by,
      ],
    );
    return (await currentPolicies(manager)).find((p) => p.category === category)!;
  });
}

export interface RetentionRunReport {
  runId: string;
  actions: Array<{
    category: RetentionCategory;
    policyVersion: number;
    action: RetentionAction;
    records: number;
  }>;
}

const DAY_MS = 86_400_000;

/**
 * One pass of the retention job: for each category, batches of records past their period are anonymised or
 * deleted, each batch in a transaction with its log row. Safe to run concurrently (rows are claimed with SKIP
 * LOCKED) and to interrupt (what is done is logged, the rest waits for the next run).
 */
export async function runRetention(
  dataSource: DataSource,
  options: { logger: Logger; batchSize?: number; now?: Date; signal?: AbortSignal },
): Promise<RetentionRunReport> {
  const batchSize = options.batchSize ?? 1000;
  const now = options.now ?? new Date();
  const report: RetentionRunReport = { runId: newId(), actions: [] };
  for (const policy of await currentPolicies(dataSource)) {
    const rule = RETENTION_CATEGORIES[policy.category];
    if (!rule) continue;
    // A policy below the minimum cannot be stored, and is clamped here all the same.
    const days = Math.max(policy.retentionDays, rule.minimumDays);
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    let records = 0;
    for (;;) {
      if (options.signal?.aborted) break;
      const n = await dataSource.transaction(async (manager) => {
        const done = await APPLY[policy.category](manager, cutoff, batchSize);
        if (done > 0) {
          await manager.query(
            `INSERT INTO pi_retention_log (run_id, category, policy_version, action, records, cutoff)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            [report.runId, policy.category, policy.version, rule.action, done, cutoff],
          );
        }
        return done;
      });
      records += n;
      if (n < batchSize) break;
    }
    report.actions.push({
      category: policy.category,
      policyVersion: policy.version,
      action: rule.action,
      records,
    });
  }
  options.logger.info({ runId: report.runId, actions: report.actions }, 'PI retention run finished (PI-5)');
  return report;
}

/** Residents with no current household whose last membership ended before the cutoff. */
const LEFT_BEFORE = `
  NOT EXISTS (SELECT 1 FROM household_members c WHERE c.resident_id = r.id AND c.left_at IS NULL)
  AND (SELECT max(m.left_at) FROM household_members m WHERE m.resident_id = r.id AND m.left_at IS NOT NULL) < $1`;

const APPLY: Record<RetentionCategory, (m: EntityManager, cutoff: Date, limit: number) => Promise<number>> = {
  async resident_identifiers(manager, cutoff, limit) {
    const rows: Array<{ id: string; name: string }> = await manager.query(
      `SELECT r.id, r.name FROM residents r
        WHERE r.anonymised_at IS NULL AND ${LEFT_BEFORE}
        LIMIT $2 FOR UPDATE OF r SKIP LOCKED`,
      [cutoff, limit],
    );
    if (rows.length === 0) return 0;
    // ID and phone (ciphertexts, blind index, masks) and the account link go; the name keeps only what
    // masking shows (PI-2); the birth date keeps its year, for statistics.
    await manager.query(
      `UPDATE residents r
          SET name = t.masked, id_number_cipher = NULL, id_number_index = NULL, id_number_masked = NULL,
              mobile_cipher = NULL, mobile_masked = NULL, account_subject = NULL,
              birth_date = date_trunc('year', r.birth_date)::date, anonymised_at = now()
         FROM unnest($1::uuid[], $2::text[]) AS t(id, masked)
        WHERE r.id = t.id`,
      [rows.map((r) => r.id), rows.map((r) => maskName(r.name))],
    );
    return rows.length;
  },

  async guardian_consents(manager, cutoff, limit) {
    const rows = await manager.query(
      `DELETE FROM guardian_consents g WHERE g.resident_id IN (
         SELECT r.id FROM residents r JOIN guardian_consents x ON x.resident_id = r.id
          WHERE ${LEFT_BEFORE}
          LIMIT $2 FOR UPDATE OF x SKIP LOCKED)
       RETURNING g.resident_id`,
      [cutoff, limit],
    );
    return deletedCount(rows);
  },

  async pi_access_log(manager, cutoff, limit) {
    // The database itself refuses to delete access-log rows younger than six months, or outside this job.
    await manager.query(`SET LOCAL linli.pi_retention_job = 'on'`);
    const rows = await manager.query(
      `DELETE FROM pi_access_log WHERE id IN (
         SELECT id FROM pi_access_log WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [cutoff, limit],
    );
    return deletedCount(rows);
  },
};

/** TypeORM returns [rows, count] for DELETE … RETURNING. */
function deletedCount(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}
