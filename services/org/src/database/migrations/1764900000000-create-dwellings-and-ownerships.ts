import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Dwellings (专有部分) with exclusive floor area, and their owners over time (OW-1). */
export class CreateDwellingsAndOwnerships1764900000000 implements MigrationInterface {
  name = 'CreateDwellingsAndOwnerships1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dwellings (
        id uuid PRIMARY KEY,
        node_id uuid NOT NULL REFERENCES nodes (id),
        label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 64),
        area_centi_m2 bigint NOT NULL CHECK (area_centi_m2 > 0 AND area_centi_m2 < 10000000),
        area_source text NOT NULL CHECK (area_source IN ('register','survey','contract')),
        developer_held boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        UNIQUE (node_id, label)
      )`);
    await q.query(`
      CREATE TABLE ownerships (
        dwelling_id uuid NOT NULL REFERENCES dwellings (id),
        owner_resident_id uuid NOT NULL REFERENCES residents (id),
        valid_from timestamptz NOT NULL DEFAULT now(),
        valid_to timestamptz,
        changed_by text,
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        EXCLUDE USING gist (dwelling_id WITH =, owner_resident_id WITH =, tstzrange(valid_from, valid_to) WITH &&)
      )`);
    await q.query(`CREATE INDEX ownerships_current_idx ON ownerships (dwelling_id) WHERE valid_to IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ownerships, dwellings`);
  }
}
