import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The national statistical data has siblings that share a name: a village 楼梓庄 and a community 楼梓庄 under
 * one township (677 cases), and four pairs of the same kind with different codes. Names are unique among live
 * siblings of the same kind and code; operators' codeless nodes are checked against every same-kind sibling
 * by the service.
 */
export class SiblingNamesByKindAndCode1764600000000 implements MigrationInterface {
  name = 'SiblingNamesByKindAndCode1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX nodes_sibling_name_uq`);
    await q.query(
      `CREATE UNIQUE INDEX nodes_sibling_name_uq ON nodes (parent_id, kind, name, coalesce(code, '')) WHERE retired_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX nodes_sibling_name_uq`);
    await q.query(
      `CREATE UNIQUE INDEX nodes_sibling_name_uq ON nodes (parent_id, name) WHERE retired_at IS NULL`,
    );
  }
}
