import type { MigrationInterface, QueryRunner } from 'typeorm';

/** VC-6: proxies (a close relative with voting rights, written authorisation, a per-holder cap), published. */
export class ElectionProxies1765600000000 implements MigrationInterface {
  name = 'ElectionProxies1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE election_proxies (
        id uuid PRIMARY KEY,
        election_id uuid NOT NULL REFERENCES elections(id),
        principal_resident_id uuid NOT NULL,
        holder_resident_id uuid NOT NULL CHECK (holder_resident_id <> principal_resident_id),
        relation text NOT NULL
          CHECK (relation IN ('spouse', 'parent', 'child', 'sibling', 'grandparent', 'grandchild')),
        document_ref text NOT NULL CHECK (length(document_ref) BETWEEN 1 AND 200),
        principal_display_name text NOT NULL,
        holder_display_name text NOT NULL,
        registered_by text,
        registered_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (election_id, principal_resident_id)
      )`);
    await q.query(
      `CREATE INDEX election_proxies_holder_idx ON election_proxies (election_id, holder_resident_id)`,
    );
    // Which bodies' elections allow proxies and the per-holder cap: a provincial parameter (VC-6).
    await q.query(
      `INSERT INTO rule_parameters (key, jurisdiction, effective_from, value, rule_ids, note)
       VALUES ('election.proxy', '*', '2018-12-29', $1, '{VC-6}', 'Village Committee Law Art. 15; the cap is provincial')`,
      [JSON.stringify({ allowedFor: ['village'], maxPerHolder: 3 })],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM rule_parameters WHERE key = 'election.proxy'`);
    await q.query(`DROP TABLE election_proxies`);
  }
}
