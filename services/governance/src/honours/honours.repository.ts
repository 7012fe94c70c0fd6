import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type HonoureeKind = 'household' | 'resident';

export interface HonourSchemeRecord {
  id: string;
  scopeNodeId: string;
  scopePath: string[];
  title: string;
  honouree: HonoureeKind;
  excludePreviousWinner: boolean;
  nominationsPerUnit: number;
}

export interface NominationRecord {
  id: string;
  schemeId: string;
  period: string;
  unitNodeId: string;
  honoureeId: string;
  householdId: string | null;
  residentId: string | null;
  displayName: string;
  publicNameConsent: boolean;
  votes: number | null;
  awarded: boolean;
}

export interface AwardRecord {
  schemeId: string;
  schemeTitle: string;
  period: string;
  nominationId: string;
  honoureeId: string;
  displayName: string;
  publicNameConsent: boolean;
  meetingId: string;
  votes: number;
  awardedAt: Date;
  /** awarded_at as PostgreSQL prints it (microseconds kept): the exact key of the roll's cursor. */
  awardedAtKey: string;
}

export interface UnitRef {
  id: string;
  kind: string;
  ancestorIds: string[];
}

/** Where the roll resumes: the last award of the previous page. */
export interface RollCursor {
  awardedAt: string;
  schemeId: string;
  period: string;
}

const SCHEME_COLUMNS = `id, scope_node_id, scope_path, title, honouree, exclude_previous_winner, nominations_per_unit`;
const NOMINATION_COLUMNS = `n.id, n.scheme_id, n.period, n.unit_node_id, n.honouree_id, n.household_id, n.resident_id,
  n.display_name, n.public_name_consent, n.votes,
  EXISTS (SELECT 1 FROM honour_awards a WHERE a.nomination_id = n.id) AS awarded`;
const AWARD_COLUMNS = `a.scheme_id, s.title AS scheme_title, a.period, a.nomination_id, a.honouree_id, n.display_name,
  n.public_name_consent, a.meeting_id, a.votes, a.awarded_at, a.awarded_at::text AS awarded_at_key`;

function scheme(r: Record<string, unknown>): HonourSchemeRecord {
  return {
    id: r.id as string,
    scopeNodeId: r.scope_node_id as string,
    scopePath: r.scope_path as string[],
    title: r.title as string,
    honouree: r.honouree as HonoureeKind,
    excludePreviousWinner: r.exclude_previous_winner as boolean,
    nominationsPerUnit: r.nominations_per_unit as number,
  };
}

function nomination(r: Record<string, unknown>): NominationRecord {
  return {
    id: r.id as string,
    schemeId: r.scheme_id as string,
    period: r.period as string,
    unitNodeId: r.unit_node_id as string,
    honoureeId: r.honouree_id as string,
    householdId: r.household_id as string | null,
    residentId: r.resident_id as string | null,
    displayName: r.display_name as string,
    publicNameConsent: r.public_name_consent as boolean,
    votes: r.votes as number | null,
    awarded: r.awarded === true,
  };
}

function award(r: Record<string, unknown>): AwardRecord {
  return {
    schemeId: r.scheme_id as string,
    schemeTitle: r.scheme_title as string,
    period: r.period as string,
    nominationId: r.nomination_id as string,
    honoureeId: r.honouree_id as string,
    displayName: r.display_name as string,
    publicNameConsent: r.public_name_consent as boolean,
    meetingId: r.meeting_id as string,
    votes: r.votes as number,
    awardedAt: r.awarded_at as Date,
    awardedAtKey: r.awarded_at_key as string,
  };
}

/** honour_schemes, honour_nominations and honour_awards, plus the reads of org's tree the rules need. */
@Injectable()
export class HonoursRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A unit of org's tree as governance's projection knows it. */
  async unit(id: string, m: EntityManager = this.dataSource.manager): Promise<UnitRef | undefined> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT id, kind, ancestor_ids FROM org_unit_refs WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    return r
      ? { id: r.id as string, kind: r.kind as string, ancestorIds: r.ancestor_ids as string[] }
      : undefined;
  }

  async insertScheme(m: EntityManager, s: HonourSchemeRecord, createdBy: string | null): Promise<void> {
    await m.query(
      `INSERT INTO honour_schemes (id, scope_node_id, scope_path, title, honouree, exclude_previous_winner,
                                   nominations_per_unit, created_by)
       VALUES ($1, $2, $3::uuid[], $4, $5, $6, $7, $8)`,
      [
        s.id,
        s.scopeNodeId,
        s.scopePath,
        s.title,
        s.honouree,
        s.excludePreviousWinner,
        s.nominationsPerUnit,
        createdBy,
      ],
    );
  }

  async findScheme(
    id: string,
    m: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<HonourSchemeRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT ${SCHEME_COLUMNS} FROM honour_schemes WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? scheme(rows[0]) : undefined;
  }

  async nominations(
    schemeId: string,
    period: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<NominationRecord[]> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT ${NOMINATION_COLUMNS} FROM honour_nominations n
        WHERE n.scheme_id = $1 AND n.period = $2 ORDER BY n.created_at, n.id`,
      [schemeId, period],
    );
    return rows.map(nomination);
  }

  async findNomination(id: string, m: EntityManager = this.dataSource.manager) {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT ${NOMINATION_COLUMNS} FROM honour_nominations n WHERE n.id = $1`,
      [id],
    );
    return rows[0] ? nomination(rows[0]) : undefined;
  }

  async countFromUnit(
    m: EntityManager,
    schemeId: string,
    period: string,
    unitNodeId: string,
  ): Promise<number> {
    const rows: Array<{ n: number }> = await m.query(
      `SELECT count(*)::int AS n FROM honour_nominations WHERE scheme_id = $1 AND period = $2 AND unit_node_id = $3`,
      [schemeId, period, unitNodeId],
    );
    return rows[0].n;
  }

  async insertNomination(
    m: EntityManager,
    n: Omit<NominationRecord, 'votes' | 'awarded'>,
    nominatedBy: string | null,
  ): Promise<void> {
    await m.query(
      `INSERT INTO honour_nominations (id, scheme_id, period, unit_node_id, honouree_id, household_id, resident_id,
                                       display_name, public_name_consent, nominated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        n.id,
        n.schemeId,
        n.period,
        n.unitNodeId,
        n.honoureeId,
        n.householdId,
        n.residentId,
        n.displayName,
        n.publicNameConsent,
        nominatedBy,
      ],
    );
  }

  /** The household a resident lives in now (from the electorate projection). */
  async householdOf(m: EntityManager, residentId: string): Promise<string | undefined> {
    const rows: Array<{ household_id: string }> = await m.query(
      `SELECT household_id FROM org_residents WHERE resident_id = $1 AND left_at IS NULL AND joined_at IS NOT NULL`,
      [residentId],
    );
    return rows[0]?.household_id;
  }

  /** Records the meeting's count on every nomination of the period (those not named got 0 votes). */
  async recordVotes(
    m: EntityManager,
    schemeId: string,
    period: string,
    votes: Map<string, number>,
  ): Promise<void> {
    await m.query(
      `UPDATE honour_nominations n
          SET votes = COALESCE((SELECT v.votes FROM unnest($3::uuid[], $4::int[]) AS v(id, votes) WHERE v.id = n.id), 0)
        WHERE n.scheme_id = $1 AND n.period = $2`,
      [schemeId, period, [...votes.keys()], [...votes.values()]],
    );
  }

  async award(schemeId: string, period: string, m: EntityManager = this.dataSource.manager) {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT ${AWARD_COLUMNS} FROM honour_awards a
         JOIN honour_schemes s ON s.id = a.scheme_id
         JOIN honour_nominations n ON n.id = a.nomination_id
        WHERE a.scheme_id = $1 AND a.period = $2`,
      [schemeId, period],
    );
    return rows[0] ? award(rows[0]) : undefined;
  }

  async insertAward(
    m: EntityManager,
    a: {
      schemeId: string;
      period: string;
      nominationId: string;
      honoureeId: string;
      meetingId: string;
      votes: number;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO honour_awards (scheme_id, period, nomination_id, honouree_id, meeting_id, votes)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [a.schemeId, a.period, a.nominationId, a.honoureeId, a.meetingId, a.votes],
    );
  }

  /** Awards of schemes at the node or below it (scope_path holds the node), newest first. */
  async roll(nodeId: string, limit: number, after?: RollCursor): Promise<AwardRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${AWARD_COLUMNS} FROM honour_awards a
         JOIN honour_schemes s ON s.id = a.scheme_id
         JOIN honour_nominations n ON n.id = a.nomination_id
        WHERE s.scope_path @> ARRAY[$1]::uuid[]
          AND ($2::timestamptz IS NULL OR (a.awarded_at, a.scheme_id, a.period::text) < ($2::timestamptz, $3::uuid, $4::text))
        ORDER BY a.awarded_at DESC, a.scheme_id DESC, a.period DESC
        LIMIT $5`,
      [nodeId, after?.awardedAt ?? null, after?.schemeId ?? null, after?.period ?? null, limit],
    );
    return rows.map(award);
  }
}
