import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Does this household have a representative now?" by index: the exclusion constraint already allows one
 * current representative per household; this makes it a unique btree lookup instead of a scan of every
 * household's history (a bulk import asks it for thousands of households per batch).
 */
export class CurrentRepresentativeIndex1765500000001 implements MigrationInterface {
  name = 'CurrentRepresentativeIndex1765500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE UNIQUE INDEX household_representatives_current_uq ON household_representatives (household_id)
        WHERE valid_to IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX household_representatives_current_uq`);
  }
}
