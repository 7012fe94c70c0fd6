import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A households import writes with several connections at once, each owning the compounds assigned to it, and
 * resumes per writer: `writer_rows[w]` is the last row of the file up to which writer w has committed everything
 * it owns. Jobs from before (one writer) resume from `committed_rows`, as they did.
 *
 * People under 14 whose guardian is written later in the same job (later in the file, or by the other writer)
 * wait in `import_pending_consents` until the job's last step records their guardian's consent (PI-4).
 */
export class ParallelImportWriters1765700000000 implements MigrationInterface {
  name = 'ParallelImportWriters1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE import_jobs
        ADD COLUMN writers smallint NOT NULL DEFAULT 1 CHECK (writers BETWEEN 1 AND 8),
        ADD COLUMN writer_rows int[]`);
    await q.query(`UPDATE import_jobs SET writer_rows = ARRAY[committed_rows]`);
    await q.query(`
      ALTER TABLE import_jobs
        ALTER COLUMN writer_rows SET NOT NULL,
        ALTER COLUMN writer_rows SET DEFAULT '{0}',
        ADD CONSTRAINT import_jobs_writer_rows_check CHECK (cardinality(writer_rows) = writers)`);
    await q.query(`
      CREATE TABLE import_pending_consents (
        resident_id uuid PRIMARY KEY REFERENCES residents (id),
        job_id uuid NOT NULL REFERENCES import_jobs (id),
        guardian_index text NOT NULL,
        document_ref text NOT NULL
      )`);
    await q.query(`CREATE INDEX import_pending_consents_job_idx ON import_pending_consents (job_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_pending_consents`);
    await q.query(`ALTER TABLE import_jobs DROP COLUMN writer_rows, DROP COLUMN writers`);
  }
}
