import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Residents' groups (居民小组) and their 2 or 3 representatives: the GROUP_REPS electorate (RC-4). */
export class ResidentsGroups1765400000000 implements MigrationInterface {
  name = 'ResidentsGroups1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE residents_groups (
        id uuid PRIMARY KEY,
        scope_node_id uuid NOT NULL,
        scope_path uuid[] NOT NULL,
        name text NOT NULL,
        node_ids uuid[] NOT NULL CHECK (cardinality(node_ids) BETWEEN 1 AND 200),
        representative_ids uuid[] NOT NULL DEFAULT '{}'
          CHECK (cardinality(representative_ids) IN (0, 2, 3)),
        version bigint NOT NULL DEFAULT 1,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (scope_node_id, name)
      )`);
    await q.query(`CREATE INDEX residents_groups_path_idx ON residents_groups USING gin (scope_path)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE residents_groups`);
  }
}
