import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Functional zones (功能区, e.g. 成都高新区) as nodes, and the managing-authority relation with history: the
 * High-tech Zone administers streets that sit statistically under 武侯区 and 双流区.
 */
export class AddZonesAndManagingAuthority1764800000000 implements MigrationInterface {
  name = 'AddZonesAndManagingAuthority1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE nodes DROP CONSTRAINT nodes_kind_check`);
    await q.query(`ALTER TABLE nodes ADD CONSTRAINT nodes_kind_check CHECK (kind IN ('province','city','district','zone',
      'street','town','township','community','village','compound','building'))`);
    await q.query(`
      CREATE TABLE managing_authorities (
        node_id uuid NOT NULL REFERENCES nodes (id),
        authority_node_id uuid NOT NULL REFERENCES nodes (id),
        valid_from timestamptz NOT NULL DEFAULT now(),
        valid_to timestamptz,
        reason text,
        changed_by text,
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        CHECK (node_id <> authority_node_id),
        EXCLUDE USING gist (node_id WITH =, tstzrange(valid_from, valid_to) WITH &&)
      )`);
    await q.query(
      `CREATE INDEX managing_authorities_current_idx ON managing_authorities (authority_node_id) WHERE valid_to IS NULL`,
    );
    await q.query(`ALTER TABLE node_audit_log DROP CONSTRAINT node_audit_log_action_check`);
    await q.query(`ALTER TABLE node_audit_log ADD CONSTRAINT node_audit_log_action_check CHECK (action IN (
      'import','register','rename','move','retire','household_registered','member_added','representative_changed',
      'managing_authority'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE managing_authorities`);
  }
}
