import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PI-5: a retention period and a purpose per category of personal data, versioned (a change is a new version,
 * never an edit); an append-only log of what the retention job deleted or anonymised (counts only); residents
 * can be anonymised (ID and phone data gone, name masked); and pi_access_log stays append-only except for the
 * retention job deleting rows older than six months — enforced by the database, whatever the configuration.
 */
export class PiRetention1765500000000 implements MigrationInterface {
  name = 'PiRetention1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pi_retention_policies (
        category text NOT NULL CHECK (category IN ('resident_identifiers','guardian_consents','pi_access_log')),
        version int NOT NULL CHECK (version > 0),
        purpose text NOT NULL CHECK (char_length(purpose) BETWEEN 10 AND 500),
        retention_days int NOT NULL CHECK (retention_days > 0),
        action text NOT NULL CHECK (action IN ('anonymise','delete')),
        configured_by text,
        configured_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (category, version),
        -- Access logs are kept at least six months (PI-5), whatever anyone configures.
        CONSTRAINT pi_access_log_kept_six_months CHECK (category <> 'pi_access_log' OR retention_days >= 184)
      )`);
    await q.query(`CREATE TRIGGER pi_retention_policies_append_only BEFORE UPDATE OR DELETE ON pi_retention_policies
                   FOR EACH ROW EXECUTE FUNCTION forbid_rewrite()`);
    await q.query(`
      INSERT INTO pi_retention_policies (category, version, purpose, retention_days, action, configured_by) VALUES
        ('resident_identifiers', 1,
         'Identify a resident of a household (registration, voter rolls, full-ID reads) while they live there.',
         365, 'anonymise', 'migration'),
        ('guardian_consents', 1,
         'Evidence of the guardian''s consent for a resident under 14 (PI-4) while the resident lives here.',
         365, 'delete', 'migration'),
        ('pi_access_log', 1,
         'Accountability for every read of a full ID number (PI-1).',
         365, 'delete', 'migration')`);
    await q.query(`
      CREATE TABLE pi_retention_log (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL,
        category text NOT NULL,
        policy_version int NOT NULL,
        action text NOT NULL CHECK (action IN ('anonymise','delete')),
        records int NOT NULL CHECK (records > 0),
        cutoff timestamptz NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (category, policy_version) REFERENCES pi_retention_policies (category, version)
      )`);
    await q.query(`CREATE TRIGGER pi_retention_log_append_only BEFORE UPDATE OR DELETE ON pi_retention_log
                   FOR EACH ROW EXECUTE FUNCTION forbid_rewrite()`);

    await q.query(`ALTER TABLE residents
                     ALTER COLUMN id_number_cipher DROP NOT NULL,
                     ALTER COLUMN id_number_index DROP NOT NULL,
                     ALTER COLUMN id_number_masked DROP NOT NULL,
                     ADD COLUMN anonymised_at timestamptz,
                     ADD CONSTRAINT residents_identified_unless_anonymised CHECK (
                       anonymised_at IS NOT NULL
                       OR (id_number_cipher IS NOT NULL AND id_number_index IS NOT NULL AND id_number_masked IS NOT NULL))`);
    await q.query(`CREATE INDEX household_members_left_idx ON household_members (resident_id, left_at)`);

    await q.query(`CREATE INDEX pi_access_log_at_idx ON pi_access_log (at)`);
    await q.query(`DROP TRIGGER pi_access_log_append_only ON pi_access_log`);
    await q.query(`
      CREATE FUNCTION pi_access_log_retention_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('linli.pi_retention_job', true) = 'on'
           AND OLD.at < now() - interval '184 days' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'pi_access_log is append-only; only the retention job deletes rows older than six months (PI-5)'
          USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`CREATE TRIGGER pi_access_log_retention_only BEFORE UPDATE OR DELETE ON pi_access_log
                   FOR EACH ROW EXECUTE FUNCTION pi_access_log_retention_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER pi_access_log_retention_only ON pi_access_log`);
    await q.query(`DROP FUNCTION pi_access_log_retention_only`);
    await q.query(`CREATE TRIGGER pi_access_log_append_only BEFORE UPDATE OR DELETE ON pi_access_log
                   FOR EACH ROW EXECUTE FUNCTION forbid_rewrite()`);
    await q.query(`DROP INDEX pi_access_log_at_idx, household_members_left_idx`);
    await q.query(`ALTER TABLE residents DROP CONSTRAINT residents_identified_unless_anonymised,
                     DROP COLUMN anonymised_at`);
    await q.query(`DROP TABLE pi_retention_log, pi_retention_policies`);
  }
}
