import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface CommitteeRecord {
  id: string;
  type: string;
  scopeNodeId: string;
  name: string;
  size: number;
  termStart: string;
  termEnd: string;
  mandateDecisionId: string | null;
  portfolios: string[];
  womenRequired: number;
  version: bigint;
  createdAt: Date;
}

export interface SeatRecord {
  id: string;
  committeeId: string;
  residentId: string;
  displayName: string;
  publicNameConsent: boolean;
  woman: boolean;
  position: string;
  portfolio: string;
  validFrom: string;
  validTo: string | null;
  source: string;
  endReason: string | null;
}

const COMMITTEE_COLUMNS = `id, type, scope_node_id, name, size, to_char(term_start, 'YYYY-MM-DD') AS term_start,
  to_char(term_end, 'YYYY-MM-DD') AS term_end, mandate_decision_id, portfolios, women_required, version, created_at`;
const SEAT_COLUMNS = `id, committee_id, resident_id, display_name, public_name_consent, woman, position, portfolio,
  to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to, source, end_reason`;

function committee(r: Record<string, unknown>): CommitteeRecord {
  return {
    id: r.id as string,
    type: r.type as string,
    scopeNodeId: r.scope_node_id as string,
    name: r.name as string,
    size: r.size as number,
    termStart: r.term_start as string,
    termEnd: r.term_end as string,
    mandateDecisionId: r.mandate_decision_id as string | null,
    portfolios: r.portfolios as string[],
    womenRequired: r.women_required as number,
    version: BigInt(r.version as string),
    createdAt: r.created_at as Date,
  };
}

function seat(r: Record<string, unknown>): SeatRecord {
  return {
    id: r.id as string,
    committeeId: r.committee_id as string,
    residentId: r.resident_id as string,
    displayName: r.display_name as string,
    publicNameConsent: r.public_name_consent as boolean,
    woman: r.woman as boolean,
    position: r.position as string,
    portfolio: r.portfolio as string,
    validFrom: r.valid_from as string,
    validTo: r.valid_to as string | null,
    source: r.source as string,
    endReason: r.end_reason as string | null,
  };
}

@Injectable()
export class CommitteesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, c: Omit<CommitteeRecord, 'version' | 'createdAt'>, by: string | null) {
    await m.query(
      `INSERT INTO committees (id, type, scope_node_id, name, size, term_start, term_end, mandate_decision_id,
                               portfolios, women_required, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        c.id,
        c.type,
        c.scopeNodeId,
        c.name,
        c.size,
        c.termStart,
        c.termEnd,
        c.mandateDecisionId,
        c.portfolios,
        c.womenRequired,
        by,
      ],
    );
  }

  async find(id: string, m: EntityManager = this.dataSource.manager, lock = false) {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT ${COMMITTEE_COLUMNS} FROM committees WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? committee(rows[0]) : undefined;
  }

  async listByScope(nodeId: string, limit: number, cursor: string | undefined) {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COMMITTEE_COLUMNS} FROM committees WHERE scope_node_id = $1 AND ($2::uuid IS NULL OR id > $2)
        ORDER BY id LIMIT $3`,
      [nodeId, cursor ?? null, limit],
    );
    return rows.map(committee);
  }

  async bump(m: EntityManager, id: string) {
    await m.query(`UPDATE committees SET version = version + 1 WHERE id = $1`, [id]);
  }

  /** Seats held on `day` (all seats if day is undefined and history is asked for). */
  async seats(committeeIds: string[], m: EntityManager = this.dataSource.manager, on?: string) {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT ${SEAT_COLUMNS} FROM committee_seats WHERE committee_id = ANY($1::uuid[])
         AND ($2::date IS NULL OR (valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2)))
       ORDER BY committee_id, valid_from, id`,
      [committeeIds, on ?? null],
    );
    return rows.map(seat);
  }

  async currentSeats(committeeIds: string[], m: EntityManager = this.dataSource.manager) {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT ${SEAT_COLUMNS} FROM committee_seats WHERE committee_id = ANY($1::uuid[]) AND valid_to IS NULL
       ORDER BY committee_id, CASE position WHEN 'chair' THEN 0 WHEN 'vice_chair' THEN 1 ELSE 2 END, valid_from, id`,
      [committeeIds],
    );
    return rows.map(seat);
  }

  async insertSeat(m: EntityManager, s: Omit<SeatRecord, 'validTo' | 'endReason'>) {
    await m.query(
      `INSERT INTO committee_seats (id, committee_id, resident_id, display_name, public_name_consent, woman,
                                    position, portfolio, valid_from, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        s.id,
        s.committeeId,
        s.residentId,
        s.displayName,
        s.publicNameConsent,
        s.woman,
        s.position,
        s.portfolio,
        s.validFrom,
        s.source,
      ],
    );
  }

  async setPortfolio(m: EntityManager, seatId: string, portfolio: string) {
    await m.query(`UPDATE committee_seats SET portfolio = $2 WHERE id = $1`, [seatId, portfolio]);
  }

  async endSeat(m: EntityManager, seatId: string, on: string, reason: string) {
    await m.query(`UPDATE committee_seats SET valid_to = $2, end_reason = $3 WHERE id = $1`, [
      seatId,
      on,
      reason,
    ]);
  }
}

export interface DecisionRef {
  decisionId: string;
  kind: string;
  passed: boolean;
  subjectRef: string;
  mandatedCommitteeId: string | null;
  scopeNodeId: string;
}

/** A decision as committees need it (motions decided at meetings). */
export async function findDecision(m: EntityManager, decisionId: string): Promise<DecisionRef | undefined> {
  const rows: Array<Record<string, unknown>> = await m.query(
    `SELECT mo.decision_id, mo.kind, mo.outcome, mo.subject_ref, mo.mandated_committee_id, me.scope_node_id
       FROM motions mo JOIN meetings me ON me.id = mo.meeting_id WHERE mo.decision_id = $1`,
    [decisionId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    decisionId: r.decision_id as string,
    kind: r.kind as string,
    passed: r.outcome === 'passed',
    subjectRef: r.subject_ref as string,
    mandatedCommitteeId: r.mandated_committee_id as string | null,
    scopeNodeId: r.scope_node_id as string,
  };
}
