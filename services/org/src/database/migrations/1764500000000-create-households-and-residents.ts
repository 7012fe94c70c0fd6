import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Households (户), residents and their membership and representative history. ID numbers and phone numbers
 * are stored only encrypted (PI-1), with a keyed blind index for look-ups and the masked forms for display.
 */
export class CreateHouseholdsAndResidents1764500000000 implements MigrationInterface {
  name = 'CreateHouseholdsAndResidents1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`
      CREATE TABLE households (
        id uuid PRIMARY KEY,
        node_id uuid NOT NULL REFERENCES nodes (id),
        label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 64),
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        UNIQUE (node_id, label)
      )`);
    await q.query(`CREATE INDEX households_node_idx ON households (node_id, id)`);
    await q.query(`
      CREATE TABLE residents (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
        id_number_cipher text NOT NULL,
        id_number_index text NOT NULL UNIQUE,
        id_number_masked text NOT NULL,
        mobile_cipher text,
        mobile_masked text,
        birth_date date NOT NULL,
        sex text NOT NULL CHECK (sex IN ('male','female')),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text
      )`);
    await q.query(`
      CREATE TABLE household_members (
        household_id uuid NOT NULL REFERENCES households (id),
        resident_id uuid NOT NULL REFERENCES residents (id),
        relation text NOT NULL CHECK (relation IN ('head','spouse','child','parent','grandchild','grandparent','sibling','other')),
        joined_at timestamptz NOT NULL DEFAULT now(),
        left_at timestamptz,
        PRIMARY KEY (household_id, resident_id, joined_at)
      )`);
    // One current household per resident, one current head per household.
    await q.query(
      `CREATE UNIQUE INDEX household_members_one_household_uq ON household_members (resident_id) WHERE left_at IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX household_members_one_head_uq ON household_members (household_id) WHERE relation = 'head' AND left_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE household_representatives (
        household_id uuid NOT NULL REFERENCES households (id),
        resident_id uuid NOT NULL REFERENCES residents (id),
        valid_from timestamptz NOT NULL,
        valid_to timestamptz,
        reason text,
        changed_by text,
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        EXCLUDE USING gist (household_id WITH =, tstzrange(valid_from, valid_to) WITH &&)
      )`);
    await q.query(`
      CREATE TABLE guardian_consents (
        resident_id uuid PRIMARY KEY REFERENCES residents (id),
        guardian_resident_id uuid NOT NULL REFERENCES residents (id),
        document_ref text NOT NULL CHECK (char_length(document_ref) BETWEEN 1 AND 200),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        recorded_by text
      )`);
    // PI-1: every read of a full ID number, kept ≥ 6 months (DOMAIN PI-5).
    await q.query(`
      CREATE TABLE pi_access_log (
        id bigserial PRIMARY KEY,
        resident_id uuid NOT NULL,
        field text NOT NULL,
        purpose text NOT NULL,
        actor text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE TRIGGER pi_access_log_append_only BEFORE UPDATE OR DELETE ON pi_access_log
                   FOR EACH ROW EXECUTE FUNCTION forbid_rewrite()`);
    await q.query(`ALTER TABLE node_audit_log DROP CONSTRAINT node_audit_log_action_check`);
    await q.query(`ALTER TABLE node_audit_log ADD CONSTRAINT node_audit_log_action_check CHECK (action IN (
      'import','register','rename','move','retire','household_registered','member_added','representative_changed'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE pi_access_log, guardian_consents, household_representatives, household_members, residents, households`,
    );
  }
}
