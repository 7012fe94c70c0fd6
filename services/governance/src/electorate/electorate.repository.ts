import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * SQL for the representative of household `h` (a column reference): the one org designated last, else its
 * current head (org makes the first adult head the representative without a separate event).
 */
export function representativeSql(h: string): string {
  return `COALESCE(
    (SELECT rep_x.resident_id FROM org_representatives rep_x WHERE rep_x.household_id = ${h}),
    (SELECT head_x.resident_id FROM org_residents head_x
      WHERE head_x.household_id = ${h} AND head_x.head AND head_x.left_at IS NULL AND head_x.joined_at IS NOT NULL
      ORDER BY head_x.joined_at LIMIT 1))`;
}

/** Reads of the electorate projection (households, residents, representatives under a node). */
@Injectable()
export class ElectorateRepository {
  /** Households under the node (the node itself or below it). */
  async countHouseholds(m: EntityManager, nodeId: string): Promise<number> {
    const rows: Array<{ n: string }> = await m.query(
      `SELECT count(*) AS n FROM org_households WHERE node_path @> ARRAY[$1]::uuid[]`,
      [nodeId],
    );
    return Number(rows[0].n);
  }

  /** Residents under the node who live there and are adults on `day` (RC-3). */
  async countAdults(m: EntityManager, nodeId: string, day: string): Promise<number> {
    const rows: Array<{ n: string }> = await m.query(
      `SELECT count(*) AS n FROM org_residents r JOIN org_households h USING (household_id)
        WHERE h.node_path @> ARRAY[$1]::uuid[] AND r.left_at IS NULL AND r.joined_at IS NOT NULL
          AND r.adult_on <= $2`,
      [nodeId, day],
    );
    return Number(rows[0].n);
  }

  async householdUnder(m: EntityManager, householdId: string, nodeId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM org_households WHERE household_id = $1 AND node_path @> ARRAY[$2]::uuid[]`,
      [householdId, nodeId],
    );
    return rows.length > 0;
  }

  /** The resident, if they live under the node and are an adult on `day`; with their household. */
  async adultUnder(
    m: EntityManager,
    residentId: string,
    nodeId: string,
    day: string,
  ): Promise<{ householdId: string } | undefined> {
    const rows: Array<{ household_id: string }> = await m.query(
      `SELECT r.household_id FROM org_residents r JOIN org_households h USING (household_id)
        WHERE r.resident_id = $1 AND h.node_path @> ARRAY[$2]::uuid[] AND r.left_at IS NULL
          AND r.joined_at IS NOT NULL AND r.adult_on <= $3`,
      [residentId, nodeId, day],
    );
    return rows[0] ? { householdId: rows[0].household_id } : undefined;
  }

  async residentUnder(m: EntityManager, residentId: string, nodeId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM org_residents r JOIN org_households h USING (household_id)
        WHERE r.resident_id = $1 AND h.node_path @> ARRAY[$2]::uuid[] AND r.left_at IS NULL
          AND r.joined_at IS NOT NULL`,
      [residentId, nodeId],
    );
    return rows.length > 0;
  }

  /** The household's representative now (explicit, else adult head). */
  async representativeOf(m: EntityManager, householdId: string): Promise<string | undefined> {
    const rows: Array<{ resident_id: string | null }> = await m.query(
      `SELECT ${representativeSql('$1::uuid')} AS resident_id`,
      [householdId],
    );
    return rows[0]?.resident_id ?? undefined;
  }
}
