import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Bulk import jobs: what was asked, how far it got (resumable), and the row-level report. */
export class CreateImportJobs1765000000000 implements MigrationInterface {
  name = 'CreateImportJobs1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE import_jobs (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('households')),
        file_name text NOT NULL,
        file_sha256 text NOT NULL,
        status text NOT NULL CHECK (status IN ('validating','rejected','importing','completed','failed')),
        total_rows int NOT NULL DEFAULT 0,
        committed_rows int NOT NULL DEFAULT 0,
        imported int NOT NULL DEFAULT 0,
        skipped int NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]',
        error_count int NOT NULL DEFAULT 0,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX import_jobs_file_idx ON import_jobs (file_sha256, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_jobs`);
  }
}
