import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Owners' assemblies: dwellings with area and owners projected from org's dwelling_owners_changed events, the
 * owners' roll an assembly snapshots when it opens (OW-1 groups: co-owners and multi-unit owners vote as one,
 * the developer's units as one), and the owners' signed votes on its motions (OW-9).
 */
export class OwnersAssembly1765300000000 implements MigrationInterface {
  name = 'OwnersAssembly1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE owner_dwellings (
        dwelling_id uuid PRIMARY KEY,
        node_id uuid NOT NULL,
        node_path uuid[] NOT NULL,
        area_centi_m2 bigint NOT NULL CHECK (area_centi_m2 > 0),
        developer_held boolean NOT NULL,
        owner_resident_ids uuid[] NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX owner_dwellings_path_idx ON owner_dwellings USING gin (node_path)`);
    await q.query(`
      CREATE TABLE owners_roll (
        meeting_id uuid NOT NULL REFERENCES meetings(id),
        voter_key uuid NOT NULL,
        area_centi_m2 bigint NOT NULL,
        resident_ids uuid[] NOT NULL,
        dwelling_ids uuid[] NOT NULL,
        PRIMARY KEY (meeting_id, voter_key)
      )`);
    await q.query(`CREATE INDEX owners_roll_residents_idx ON owners_roll USING gin (resident_ids)`);
    await q.query(`
      CREATE TABLE owner_votes (
        motion_id uuid NOT NULL REFERENCES motions(id),
        voter_key uuid NOT NULL,
        choice text NOT NULL CHECK (choice IN ('yes', 'no', 'abstain')),
        signed_by uuid NOT NULL,
        recorded_by text,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (motion_id, voter_key)
      )`);
    await q.query(`ALTER TABLE motions ADD COLUMN owners_yes_area bigint, ADD COLUMN owners_yes_count int,
                     ADD COLUMN affected_owner_ids uuid[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE motions DROP COLUMN owners_yes_area, DROP COLUMN owners_yes_count,
                     DROP COLUMN affected_owner_ids`);
    await q.query(`DROP TABLE owner_votes, owners_roll, owner_dwellings`);
  }
}
