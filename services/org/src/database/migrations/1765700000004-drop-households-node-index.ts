import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `households (node_id, id)` duplicated what the unique `(node_id, label)` index already gives every query by
 * node (households of a node or subtree, roll-up counts): a look-up by node_id. Listing pages order by id
 * across many nodes, which neither index gives. Each household imported paid for a second entry at a random
 * place of a second index.
 */
export class DropHouseholdsNodeIndex1765700000004 implements MigrationInterface {
  name = 'DropHouseholdsNodeIndex1765700000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX households_node_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX households_node_idx ON households (node_id, id)`);
  }
}
