import { Injectable } from '@nestjs/common';
import { queryRows } from '@linli/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { inSubtree } from '../nodes/nodes.repository.js';

export interface HouseholdRecord {
  id: string;
  nodeId: string;
  nodePath: string;
  label: string;
  version: bigint;
}

export interface MemberRecord {
  householdId: string;
  residentId: string;
  name: string;
  idNumberMasked: string;
  mobileMasked: string | null;
  birthDate: string;
  sex: 'male' | 'female';
  relation: string;
  joinedAt: Date;
  representative: boolean;
}

export interface NewResidentRow {
  id: string;
  name: string;
  idNumberCipher: string;
  idNumberIndex: string;
  idNumberMasked: string;
  mobileCipher: string | null;
  mobileMasked: string | null;
  birthDate: string;
  sex: 'male' | 'female';
  createdBy: string | null;
}

const SELECT_HOUSEHOLD = `
  SELECT h.id, h.node_id, n.path::text AS node_path, h.label, h.version
    FROM households h JOIN nodes n ON n.id = h.node_id`;

type HouseholdRow = { id: string; node_id: string; node_path: string; label: string; version: string };
const toHousehold = (r: HouseholdRow): HouseholdRecord => ({
  id: r.id,
  nodeId: r.node_id,
  nodePath: r.node_path,
  label: r.label,
  version: BigInt(r.version),
});

/** The only place that speaks SQL about households and residents. */
@Injectable()
export class HouseholdsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findHousehold(
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<HouseholdRecord | undefined> {
    const rows: HouseholdRow[] = await manager.query(`${SELECT_HOUSEHOLD} WHERE h.id = $1`, [id]);
    return rows[0] && toHousehold(rows[0]);
  }

  async insertHousehold(
    manager: EntityManager,
    h: { id: string; nodeId: string; label: string; createdBy: string | null },
  ) {
    await manager.query(`INSERT INTO households (id, node_id, label, created_by) VALUES ($1, $2, $3, $4)`, [
      h.id,
      h.nodeId,
      h.label,
      h.createdBy,
    ]);
  }

  /** Households registered at the node with this path or below it, keyset-paged by id. */
  async listUnder(path: string, afterId: string | undefined, limit: number): Promise<HouseholdRecord[]> {
    const rows: HouseholdRow[] = await this.dataSource.query(
      `${SELECT_HOUSEHOLD} WHERE ${inSubtree('n.path', '$1')} AND ($2::uuid IS NULL OR h.id > $2::uuid) ORDER BY h.id LIMIT $3`,
      [path, afterId ?? null, limit],
    );
    return rows.map(toHousehold);
  }

  async members(
    householdIds: string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<MemberRecord[]> {
    if (householdIds.length === 0) return [];
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT m.household_id, m.resident_id, r.name, r.id_number_masked, r.mobile_masked,
              to_char(r.birth_date, 'YYYY-MM-DD') AS birth_date, r.sex, m.relation, m.joined_at,
              EXISTS (SELECT 1 FROM household_representatives hr
                       WHERE hr.household_id = m.household_id AND hr.resident_id = m.resident_id AND hr.valid_to IS NULL)
                AS representative
         FROM household_members m JOIN residents r ON r.id = m.resident_id
        WHERE m.household_id = ANY($1::uuid[]) AND m.left_at IS NULL
        ORDER BY m.household_id, (m.relation = 'head') DESC, m.joined_at`,
      [householdIds],
    );
    return rows.map((r) => ({
      householdId: r.household_id as string,
      residentId: r.resident_id as string,
      name: r.name as string,
      idNumberMasked: r.id_number_masked as string,
      mobileMasked: r.mobile_masked as string | null,
      birthDate: r.birth_date as string,
      sex: r.sex as 'male' | 'female',
      relation: r.relation as string,
      joinedAt: r.joined_at as Date,
      representative: r.representative as boolean,
    }));
  }

  async findResidentByIndex(manager: EntityManager, index: string): Promise<{ id: string } | undefined> {
    const rows: Array<{ id: string }> = await manager.query(
      `SELECT id FROM residents WHERE id_number_index = $1`,
      [index],
    );
    return rows[0];
  }

  async findResident(id: string) {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT r.id, r.name, r.id_number_cipher, r.id_number_masked, r.mobile_masked,
              to_char(r.birth_date, 'YYYY-MM-DD') AS birth_date, r.sex, n.path::text AS node_path
         FROM residents r
         JOIN household_members m ON m.resident_id = r.id AND m.left_at IS NULL
         JOIN households h ON h.id = m.household_id
         JOIN nodes n ON n.id = h.node_id
        WHERE r.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id as string,
      name: r.name as string,
      idNumberCipher: r.id_number_cipher as string,
      idNumberMasked: r.id_number_masked as string,
      mobileMasked: r.mobile_masked as string | null,
      birthDate: r.birth_date as string,
      sex: r.sex as 'male' | 'female',
      nodePath: r.node_path as string,
    };
  }

  async insertResident(manager: EntityManager, r: NewResidentRow): Promise<void> {
    await manager.query(
      `INSERT INTO residents (id, name, id_number_cipher, id_number_index, id_number_masked, mobile_cipher, mobile_masked,
                              birth_date, sex, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9, $10)`,
      [
        r.id,
        r.name,
        r.idNumberCipher,
        r.idNumberIndex,
        r.idNumberMasked,
        r.mobileCipher,
        r.mobileMasked,
        r.birthDate,
        r.sex,
        r.createdBy,
      ],
    );
  }

  async addMember(
    manager: EntityManager,
    householdId: string,
    residentId: string,
    relation: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO household_members (household_id, resident_id, relation) VALUES ($1, $2, $3)`,
      [householdId, residentId, relation],
    );
  }

  async recordGuardianConsent(
    manager: EntityManager,
    c: { residentId: string; guardianResidentId: string; documentRef: string; recordedBy: string | null },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO guardian_consents (resident_id, guardian_resident_id, document_ref, recorded_by) VALUES ($1, $2, $3, $4)`,
      [c.residentId, c.guardianResidentId, c.documentRef, c.recordedBy],
    );
  }

  async currentRepresentative(manager: EntityManager, householdId: string): Promise<string | undefined> {
    const rows: Array<{ resident_id: string }> = await manager.query(
      `SELECT resident_id FROM household_representatives WHERE household_id = $1 AND valid_to IS NULL FOR UPDATE`,
      [householdId],
    );
    return rows[0]?.resident_id;
  }

  /** Closes the current representative's period and opens the new one at the same instant (EXCLUDE-guarded). */
  async changeRepresentative(
    manager: EntityManager,
    c: { householdId: string; residentId: string; reason: string | null; by: string | null },
  ): Promise<void> {
    await manager.query(
      `UPDATE household_representatives SET valid_to = now() WHERE household_id = $1 AND valid_to IS NULL`,
      [c.householdId],
    );
    await manager.query(
      `INSERT INTO household_representatives (household_id, resident_id, valid_from, reason, changed_by)
       VALUES ($1, $2, now(), $3, $4)`,
      [c.householdId, c.residentId, c.reason, c.by],
    );
  }

  async moveHousehold(manager: EntityManager, householdId: string, nodeId: string): Promise<void> {
    await queryRows(manager, `UPDATE households SET node_id = $2 WHERE id = $1 RETURNING id`, [
      householdId,
      nodeId,
    ]);
  }

  /** Ends a membership now; returns whether the resident was the current representative (whose period ends too). */
  async removeMember(
    manager: EntityManager,
    householdId: string,
    residentId: string,
  ): Promise<{ left: boolean; wasRepresentative: boolean }> {
    const left = await queryRows(
      manager,
      `UPDATE household_members SET left_at = now() WHERE household_id = $1 AND resident_id = $2 AND left_at IS NULL RETURNING resident_id`,
      [householdId, residentId],
    );
    const rep = await queryRows(
      manager,
      `UPDATE household_representatives SET valid_to = now()
        WHERE household_id = $1 AND resident_id = $2 AND valid_to IS NULL RETURNING resident_id`,
      [householdId, residentId],
    );
    return { left: left.length > 0, wasRepresentative: rep.length > 0 };
  }

  /** The resident's current account subject (null: none), row-locked for the change that follows. */
  async lockAccountSubject(manager: EntityManager, residentId: string): Promise<string | null> {
    const rows: Array<{ account_subject: string | null }> = await manager.query(
      `SELECT account_subject FROM residents WHERE id = $1 FOR UPDATE`,
      [residentId],
    );
    return rows[0]?.account_subject ?? null;
  }

  /**
   * Links the resident to `subject` (null unlinks) and logs the change with its actor. A subject that another
   * resident holds fails on `residents_account_subject_uq`.
   */
  async setAccountSubject(
    manager: EntityManager,
    c: { residentId: string; subject: string | null; previous: string | null; by: string | null },
  ): Promise<void> {
    await queryRows(manager, `UPDATE residents SET account_subject = $2 WHERE id = $1 RETURNING id`, [
      c.residentId,
      c.subject,
    ]);
    await manager.query(
      `INSERT INTO resident_account_log (resident_id, subject, previous_subject, actor) VALUES ($1, $2, $3, $4)`,
      [c.residentId, c.subject, c.previous, c.by],
    );
  }

  /** Optimistic version bump of the household aggregate. */
  async touch(manager: EntityManager, householdId: string): Promise<void> {
    await queryRows(manager, `UPDATE households SET version = version + 1 WHERE id = $1 RETURNING id`, [
      householdId,
    ]);
  }

  async logPiAccess(r: { residentId: string; field: string; purpose: string; actor: string }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO pi_access_log (resident_id, field, purpose, actor) VALUES ($1, $2, $3, $4)`,
      [r.residentId, r.field, r.purpose, r.actor],
    );
  }
}
