import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One append-only audit row per statistical-division import run (scope, edition, counts, the AD-4 diff)
 * instead of one audit row per imported node; each imported node names its run. "The subtree on a date" reads
 * node_versions by a btree range on path (as subtree pages do on nodes) instead of a GiST index, which cost
 * seconds to build after a national load.
 */
export class DivisionImportRuns1765200000000 implements MigrationInterface {
  name = 'DivisionImportRuns1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE division_import_runs (
        id uuid PRIMARY KEY,
        scope text NOT NULL,
        edition text NOT NULL,
        actor text,
        at timestamptz NOT NULL DEFAULT now(),
        seen int NOT NULL CHECK (seen >= 0),
        added int NOT NULL CHECK (added >= 0),
        unchanged int NOT NULL CHECK (unchanged >= 0),
        renamed int NOT NULL CHECK (renamed >= 0),
        retired int NOT NULL CHECK (retired >= 0),
        initial_load boolean NOT NULL,
        diff jsonb NOT NULL
      )`);
    await q.query(`CREATE TRIGGER division_import_runs_append_only BEFORE UPDATE OR DELETE ON division_import_runs
                   FOR EACH ROW EXECUTE FUNCTION forbid_rewrite()`);
    await q.query(`ALTER TABLE nodes ADD COLUMN import_run_id uuid`);
    await q.query(`CREATE INDEX node_versions_path_btree ON node_versions (path)`);
    await q.query(`DROP INDEX node_versions_path_gist`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX node_versions_path_gist ON node_versions USING gist (path)`);
    await q.query(`DROP INDEX node_versions_path_btree`);
    await q.query(`ALTER TABLE nodes DROP COLUMN import_run_id`);
    await q.query(`DROP TABLE division_import_runs`);
  }
}
