import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subtree filters are btree ranges on nodes.path (inSubtree); the GiST index on path is no longer used. On
 * 32-hex-digit labels it answered "<@" in tens of milliseconds and took seconds to build after a national load.
 */
export class DropPathGist1765500000002 implements MigrationInterface {
  name = 'DropPathGist1765500000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX nodes_path_gist`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX nodes_path_gist ON nodes USING gist (path)`);
  }
}
