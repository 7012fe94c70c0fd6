import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention job (PI-5) looks up when each resident's memberships ended; current memberships (left_at NULL,
 * nearly every row, and every row a bulk import writes) never answer that, so they leave the index: one index
 * entry fewer per resident imported, and a far smaller index.
 */
export class MembersLeftPartialIndex1765700000002 implements MigrationInterface {
  name = 'MembersLeftPartialIndex1765700000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX household_members_left_idx`);
    await q.query(
      `CREATE INDEX household_members_left_idx ON household_members (resident_id, left_at) WHERE left_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX household_members_left_idx`);
    await q.query(`CREATE INDEX household_members_left_idx ON household_members (resident_id, left_at)`);
  }
}
