import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Keycloak account (`sub`) a resident signs in with: at most one per resident and one resident per account
 * (partial unique index, NULL = no account), and an append-only log of every link and unlink with its actor.
 * Expand only: a nullable column and a new table, so the previous release keeps working.
 */
export class AddResidentAccounts1765200000001 implements MigrationInterface {
  name = 'AddResidentAccounts1765200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE residents ADD COLUMN account_subject text
                   CONSTRAINT residents_account_subject_check
                   CHECK (char_length(account_subject) BETWEEN 1 AND 255 AND account_subject !~ '\\s')`);
    await q.query(
      `CREATE UNIQUE INDEX residents_account_subject_uq ON residents (account_subject) WHERE account_subject IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE resident_account_log (
        id bigserial PRIMARY KEY,
        resident_id uuid NOT NULL REFERENCES residents (id),
        subject text,
        previous_subject text,
        actor text,
        at timestamptz NOT NULL DEFAULT now(),
        CHECK (subject IS DISTINCT FROM previous_subject)
      )`);
    await q.query(`CREATE INDEX resident_account_log_resident_idx ON resident_account_log (resident_id, at)`);
    await q.query(`CREATE TRIGGER resident_account_log_append_only BEFORE UPDATE OR DELETE ON resident_account_log
                   FOR EACH ROW EXECUTE FUNCTION forbid_rewrite()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE resident_account_log`);
    await q.query(`ALTER TABLE residents DROP COLUMN account_subject`);
  }
}
