import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Migrate (data only, apart from the DDL before it): every existing node gets its first open version. */
export class BackfillNodeVersions1764400000001 implements MigrationInterface {
  name = 'BackfillNodeVersions1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO node_versions (node_id, version, kind, name, code, parent_id, path, valid_from, valid_to)
      SELECT id, version, kind, name, code, parent_id, path, created_at, retired_at FROM nodes
      ON CONFLICT DO NOTHING`);
  }

  async down(): Promise<void> {
    // Nothing to undo: the versions table is dropped by the schema migration's down.
  }
}
