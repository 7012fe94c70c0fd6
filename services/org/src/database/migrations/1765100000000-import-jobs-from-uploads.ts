import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Import jobs started over HTTP: queued until the worker takes them; the upload they read. */
export class ImportJobsFromUploads1765100000000 implements MigrationInterface {
  name = 'ImportJobsFromUploads1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE import_jobs DROP CONSTRAINT import_jobs_status_check`);
    await q.query(`ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_status_check
                   CHECK (status IN ('queued','validating','rejected','importing','completed','failed'))`);
    await q.query(`ALTER TABLE import_jobs ADD COLUMN upload_name text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE import_jobs DROP COLUMN upload_name`);
  }
}
