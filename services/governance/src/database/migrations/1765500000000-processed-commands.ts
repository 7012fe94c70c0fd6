import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Responses of commands by request id, so that a retried command is answered, not run again. */
export class ProcessedCommands1765500000000 implements MigrationInterface {
  name = 'ProcessedCommands1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE processed_commands (
        subject text NOT NULL,
        request_id text NOT NULL,
        method text NOT NULL,
        payload_hash char(64) NOT NULL,
        response jsonb,
        started_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (subject, request_id, method, payload_hash)
      )`);
    await q.query(`CREATE INDEX processed_commands_started_idx ON processed_commands (started_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE processed_commands`);
  }
}
