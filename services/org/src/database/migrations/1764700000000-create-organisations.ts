import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organisations on nodes and their members' terms (cross-appointments allowed; one open term per org and person). */
export class CreateOrganisations1764700000000 implements MigrationInterface {
  name = 'CreateOrganisations1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organisations (
        id uuid PRIMARY KEY,
        node_id uuid NOT NULL REFERENCES nodes (id),
        type text NOT NULL CHECK (type IN ('party_organisation','residents_committee','village_committee','owners_assembly',
          'owners_committee','property_company','deliberative_council','supervisory_board','social_organisation','enterprise')),
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        credit_code text CHECK (credit_code ~ '^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$'),
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        UNIQUE (node_id, type, name)
      )`);
    await q.query(`CREATE INDEX organisations_node_idx ON organisations (node_id, id)`);
    await q.query(`
      CREATE TABLE memberships (
        id uuid PRIMARY KEY,
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        resident_id uuid NOT NULL REFERENCES residents (id),
        position text NOT NULL CHECK (char_length(position) BETWEEN 1 AND 40),
        term_start date NOT NULL,
        term_end date,
        ended_at timestamptz,
        end_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        CHECK (term_end IS NULL OR term_end > term_start),
        EXCLUDE USING gist (organisation_id WITH =, resident_id WITH =, daterange(term_start, term_end) WITH &&)
          WHERE (ended_at IS NULL)
      )`);
    await q.query(
      `CREATE INDEX memberships_resident_idx ON memberships (resident_id) WHERE ended_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE memberships, organisations`);
  }
}
