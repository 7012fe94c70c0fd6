import { OUTBOX_INBOX_DDL_V1 } from '@linli/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Governance's read-only projection of org's division tree, plus outbox and inbox. */
export class CreateOrgUnitRefs1764300000000 implements MigrationInterface {
  name = 'CreateOrgUnitRefs1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE org_unit_refs (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        name text NOT NULL,
        code char(12),
        parent_id uuid,
        ancestor_ids uuid[] NOT NULL DEFAULT '{}',
        ancestor_names text[] NOT NULL DEFAULT '{}',
        version bigint NOT NULL,
        known_since timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX org_unit_refs_parent_idx ON org_unit_refs (parent_id)`);
    await q.query(OUTBOX_INBOX_DDL_V1);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbox, outbox, org_unit_refs`);
  }
}
