import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blind indexes of ID numbers keep the first 132 bits of their HMAC (22 base64url characters, PiiCipher
 * BLIND_INDEX_LENGTH) instead of all 256: the unique index over residents is about 40 % smaller. Existing values
 * are the full digest's base64url, whose first 22 characters are exactly the new form.
 */
export class ShorterBlindIndex1765700000003 implements MigrationInterface {
  name = 'ShorterBlindIndex1765700000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE residents SET id_number_index = left(id_number_index, 22) WHERE char_length(id_number_index) > 22`,
    );
    await q.query(`REINDEX INDEX residents_id_number_index_key`);
  }

  async down(): Promise<void> {
    // The discarded bits cannot be recomputed without the ID numbers' plaintext: nothing to undo in place.
  }
}
