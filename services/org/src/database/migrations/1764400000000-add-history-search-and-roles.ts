import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Expand: node versions (valid_from/valid_to) for "the tree on a date", an append-only audit log of every
 * change, name search (pg_trgm), path ordering for subtree pages, and the full set of scoped roles.
 */
export class AddHistorySearchAndRoles1764400000000 implements MigrationInterface {
  name = 'AddHistorySearchAndRoles1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE INDEX nodes_name_trgm ON nodes USING gin (name gin_trgm_ops)`);
    await q.query(`CREATE INDEX nodes_path_btree ON nodes (path)`);
    await q.query(`
      CREATE TABLE node_versions (
        node_id uuid NOT NULL REFERENCES nodes (id),
        version bigint NOT NULL,
        kind text NOT NULL,
        name text NOT NULL,
        code char(12),
        parent_id uuid,
        path ltree NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_to timestamptz,
        PRIMARY KEY (node_id, version),
        CHECK (valid_to IS NULL OR valid_to > valid_from)
      )`);
    await q.query(`CREATE INDEX node_versions_path_gist ON node_versions USING gist (path)`);
    await q.query(`CREATE INDEX node_versions_open_idx ON node_versions (node_id) WHERE valid_to IS NULL`);
    await q.query(`
      CREATE TABLE node_audit_log (
        id bigserial PRIMARY KEY,
        node_id uuid NOT NULL,
        action text NOT NULL CHECK (action IN ('import','register','rename','move','retire')),
        actor text,
        reason text,
        at timestamptz NOT NULL DEFAULT now(),
        before jsonb,
        after jsonb
      )`);
    await q.query(`CREATE INDEX node_audit_log_node_idx ON node_audit_log (node_id, at)`);
    // Append-only: the log and closed versions cannot be rewritten, not even by the service's own role.
    await q.query(`
      CREATE FUNCTION forbid_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`CREATE TRIGGER node_audit_log_append_only BEFORE UPDATE OR DELETE ON node_audit_log
                   FOR EACH ROW EXECUTE FUNCTION forbid_rewrite()`);
    await q.query(`
      CREATE FUNCTION node_versions_close_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR OLD.valid_to IS NOT NULL
           OR (NEW.node_id, NEW.version, NEW.kind, NEW.name, NEW.code, NEW.parent_id, NEW.path, NEW.valid_from)
              IS DISTINCT FROM (OLD.node_id, OLD.version, OLD.kind, OLD.name, OLD.code, OLD.parent_id, OLD.path, OLD.valid_from)
        THEN
          RAISE EXCEPTION 'node_versions rows may only be closed (valid_to set once)' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER node_versions_close_only BEFORE UPDATE OR DELETE ON node_versions
                   FOR EACH ROW EXECUTE FUNCTION node_versions_close_only()`);
    await q.query(`ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_role_check`);
    await q.query(`ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_role_check CHECK (role IN (
      'city_admin','district_operator','street_operator','community_operator','compound_manager','venue_operator','auditor'))`);
    await q.query(`ALTER TABLE role_assignments ADD COLUMN revoked_by text, ADD COLUMN reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE role_assignments DROP COLUMN revoked_by, DROP COLUMN reason`);
    await q.query(`DROP TABLE node_audit_log, node_versions`);
    await q.query(`DROP FUNCTION forbid_rewrite, node_versions_close_only`);
    await q.query(`DROP INDEX nodes_path_btree, nodes_name_trgm`);
  }
}
