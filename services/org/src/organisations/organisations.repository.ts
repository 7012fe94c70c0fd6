import { Injectable } from '@nestjs/common';
import { queryRows } from '@linli/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { inSubtree } from '../nodes/nodes.repository.js';

export interface OrganisationRecord {
  id: string;
  nodeId: string;
  nodePath: string;
  type: string;
  name: string;
  creditCode: string | null;
  version: bigint;
}

export interface MembershipRecord {
  id: string;
  organisationId: string;
  organisationPath: string;
  residentId: string;
  residentName: string;
  position: string;
  termStart: string;
  termEnd: string | null;
  endedAt: Date | null;
}

type OrgRow = {
  id: string;
  node_id: string;
  node_path: string;
  type: string;
  name: string;
  credit_code: string | null;
  version: string;
};
const toOrg = (r: OrgRow): OrganisationRecord => ({
  id: r.id,
  nodeId: r.node_id,
  nodePath: r.node_path,
  type: r.type,
  name: r.name,
  creditCode: r.credit_code,
  version: BigInt(r.version),
});

const SELECT_ORG = `SELECT o.id, o.node_id, n.path::text AS node_path, o.type, o.name, o.credit_code, o.version
                      FROM organisations o JOIN nodes n ON n.id = o.node_id`;

const SELECT_MEMBERSHIP = `
  SELECT m.id, m.organisation_id, n.path::text AS organisation_path, m.resident_id, r.name AS resident_name, m.position,
         to_char(m.term_start, 'YYYY-MM-DD') AS term_start, to_char(m.term_end, 'YYYY-MM-DD') AS term_end, m.ended_at
    FROM memberships m
    JOIN organisations o ON o.id = m.organisation_id
    JOIN nodes n ON n.id = o.node_id
    JOIN residents r ON r.id = m.resident_id`;

type MembershipRow = {
  id: string;
  organisation_id: string;
  organisation_path: string;
  resident_id: string;
  resident_name: string;
  position: string;
  term_start: string;
  term_end: string | null;
  ended_at: Date | null;
};
const toMembership = (r: MembershipRow): MembershipRecord => ({
  id: r.id,
  organisationId: r.organisation_id,
  organisationPath: r.organisation_path,
  residentId: r.resident_id,
  residentName: r.resident_name,
  position: r.position,
  termStart: r.term_start,
  termEnd: r.term_end,
  endedAt: r.ended_at,
});

@Injectable()
export class OrganisationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(id: string): Promise<OrganisationRecord | undefined> {
    const rows: OrgRow[] = await this.dataSource.query(`${SELECT_ORG} WHERE o.id = $1`, [id]);
    return rows[0] && toOrg(rows[0]);
  }

  async insert(
    manager: EntityManager,
    o: {
      id: string;
      nodeId: string;
      type: string;
      name: string;
      creditCode: string | null;
      createdBy: string | null;
    },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO organisations (id, node_id, type, name, credit_code, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [o.id, o.nodeId, o.type, o.name, o.creditCode, o.createdBy],
    );
  }

  async listUnder(
    path: string,
    types: string[],
    afterId: string | undefined,
    limit: number,
  ): Promise<OrganisationRecord[]> {
    const rows: OrgRow[] = await this.dataSource.query(
      `${SELECT_ORG}
        WHERE ${inSubtree('n.path', '$1')} AND (cardinality($2::text[]) = 0 OR o.type = ANY($2::text[]))
          AND ($3::uuid IS NULL OR o.id > $3::uuid)
        ORDER BY o.id LIMIT $4`,
      [path, types, afterId ?? null, limit],
    );
    return rows.map(toOrg);
  }

  async currentMembers(organisationIds: string[]): Promise<MembershipRecord[]> {
    if (organisationIds.length === 0) return [];
    const rows: MembershipRow[] = await this.dataSource.query(
      `${SELECT_MEMBERSHIP} WHERE m.organisation_id = ANY($1::uuid[]) AND m.ended_at IS NULL ORDER BY m.term_start, m.id`,
      [organisationIds],
    );
    return rows.map(toMembership);
  }

  async findMembership(id: string): Promise<MembershipRecord | undefined> {
    const rows: MembershipRow[] = await this.dataSource.query(`${SELECT_MEMBERSHIP} WHERE m.id = $1`, [id]);
    return rows[0] && toMembership(rows[0]);
  }

  /** Where the resident is registered (their household's node), to check they are in the caller's scope. */
  async residentPath(residentId: string): Promise<string | undefined> {
    const rows: Array<{ path: string }> = await this.dataSource.query(
      `SELECT n.path::text AS path FROM household_members m JOIN households h ON h.id = m.household_id
         JOIN nodes n ON n.id = h.node_id WHERE m.resident_id = $1 AND m.left_at IS NULL`,
      [residentId],
    );
    return rows[0]?.path;
  }

  async insertMembership(
    manager: EntityManager,
    m: {
      id: string;
      organisationId: string;
      residentId: string;
      position: string;
      termStart: string;
      termEnd: string | null;
      by: string | null;
    },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO memberships (id, organisation_id, resident_id, position, term_start, term_end, created_by)
       VALUES ($1, $2, $3, $4, $5::date, $6::date, $7)`,
      [m.id, m.organisationId, m.residentId, m.position, m.termStart, m.termEnd, m.by],
    );
  }

  async endMembership(manager: EntityManager, id: string, reason: string | null): Promise<boolean> {
    const rows = await queryRows(
      manager,
      `UPDATE memberships SET ended_at = now(), end_reason = $2 WHERE id = $1 AND ended_at IS NULL RETURNING id`,
      [id, reason],
    );
    return rows.length > 0;
  }
}
