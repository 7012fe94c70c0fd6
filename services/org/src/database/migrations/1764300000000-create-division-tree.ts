import { OUTBOX_INBOX_DDL_V1 } from '@linli/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The division tree (ltree paths), scoped role assignments, idempotency keys, outbox and inbox. */
export class CreateDivisionTree1764300000000 implements MigrationInterface {
  name = 'CreateDivisionTree1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS ltree`);
    await q.query(`
      CREATE TABLE nodes (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('province','city','district','street','town','township','community','village','compound','building')),
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
        official_name text,
        code char(12) CHECK (code ~ '^[0-9]{12}$'),
        parent_id uuid REFERENCES nodes (id),
        path ltree NOT NULL,
        depth int NOT NULL CHECK (depth >= 0),
        source text NOT NULL CHECK (source IN ('import','operator')),
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        retired_at timestamptz,
        CHECK ((parent_id IS NULL) = (depth = 0))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX nodes_code_current_uq ON nodes (code) WHERE retired_at IS NULL AND code IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX nodes_sibling_name_uq ON nodes (parent_id, name) WHERE retired_at IS NULL`,
    );
    await q.query(`CREATE INDEX nodes_parent_idx ON nodes (parent_id, id)`);
    await q.query(`CREATE INDEX nodes_path_gist ON nodes USING gist (path)`);
    await q.query(`
      CREATE TABLE role_assignments (
        id uuid PRIMARY KEY,
        subject text NOT NULL,
        role text NOT NULL CHECK (role IN ('city_admin','district_operator','street_operator','community_operator')),
        node_id uuid NOT NULL REFERENCES nodes (id),
        granted_at timestamptz NOT NULL DEFAULT now(),
        granted_by text,
        revoked_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX role_assignments_subject_idx ON role_assignments (subject) WHERE revoked_at IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX role_assignments_active_uq ON role_assignments (subject, role, node_id) WHERE revoked_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE processed_requests (
        subject text NOT NULL,
        request_id text NOT NULL,
        operation text NOT NULL,
        result_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subject, request_id)
      )`);
    await q.query(OUTBOX_INBOX_DDL_V1);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbox, outbox, processed_requests, role_assignments, nodes`);
  }
}
