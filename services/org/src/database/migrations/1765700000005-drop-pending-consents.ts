import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Children whose guardian is in the same import file are now written after everyone else, together with their
 * guardian's consent (PI-4: never a child without one, even for a moment), so consents no longer wait in a
 * table of their own.
 */
export class DropPendingConsents1765700000005 implements MigrationInterface {
  name = 'DropPendingConsents1765700000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_pending_consents`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE import_pending_consents (
        resident_id uuid PRIMARY KEY REFERENCES residents (id),
        job_id uuid NOT NULL REFERENCES import_jobs (id),
        guardian_index text NOT NULL,
        document_ref text NOT NULL
      )`);
    await q.query(`CREATE INDEX import_pending_consents_job_idx ON import_pending_consents (job_id)`);
  }
}
