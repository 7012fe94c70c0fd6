import { OUTBOX_DDL_V2, OUTBOX_DDL_V2_DOWN } from '@linli/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Outbox payloads compressed with LZ4 (see OUTBOX_DDL_V2). */
export class OutboxLz41765700000000 implements MigrationInterface {
  name = 'OutboxLz41765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(OUTBOX_DDL_V2);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(OUTBOX_DDL_V2_DOWN);
  }
}
