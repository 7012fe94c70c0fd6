import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate, timestampNow } from '@bufbuild/protobuf/wkt';
import {
  BallotCastSchema,
  ElectionCertifiedSchema,
  ElectionRollPublishedSchema,
  ElectionSchema,
  PublicResultsSchema,
  RollObjectionSchema,
  TallySchema,
  type CastBallotRequest,
  type CreateElectionRequest,
  type DecideRollObjectionRequest,
  type Election,
  type LodgeRollObjectionRequest,
  type NominateCandidateRequest,
  type Principal,
  type RecordPaperBallotRequest,
  type RegisterProxyRequest,
  type Proxy,
  ProxySchema,
  type RollObjection,
  type Tally,
} from '@linli/contracts';
import { ErrorCode, OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, queryRows, withTransaction } from '@linli/persistence';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { GovernanceError } from '../errors.js';
import { GovernanceAccess, NotFound, type SignedInResident } from '../access/governance-access.js';
import { CommitteesRepository } from '../committees/committees.repository.js';
import { CommitteesService, displayName, type NameView } from '../committees/committees.service.js';
import { ElectorateRepository } from '../electorate/electorate.repository.js';
import { ballotChannels, electionModes, electionStatuses } from '../enums.js';
import { addDays, civilDate, isDate } from '../rules/calendar.js';
import {
  ParametersRepository,
  parameterVersion,
  type ElectionThresholds,
  type RollRuleValue,
} from '../rules/parameters.js';
import { tallyRound, type RoundKind } from './tally.js';

const today = () => civilDate(new Date());

/** Who casts: the signed-in resident (their roll entry is checked), or an elector a teller names. */
type BallotVoter = { resident: SignedInResident; onBehalfOf?: string } | { voterKey: string };
const PROXY_RELATIONS = ['spouse', 'parent', 'child', 'sibling', 'grandparent', 'grandchild'];
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class ElectionError extends GovernanceError {
  static sealed(): ElectionError {
    return new ElectionError(
      ErrorCode.FAILED_PRECONDITION,
      'RESULTS_SEALED',
      'Results are sealed until voting closes; no role can read a tally before.',
    );
  }
}

interface ElectionRow {
  id: string;
  scope_node_id: string;
  committee_id: string | null;
  title: string;
  mode: string;
  seats: number;
  election_day: string;
  allow_revote: boolean;
  status: string;
  roll_published_at: Date | null;
  objection_deadline: string | null;
  registered_electors: number;
  round: number;
  round_kind: RoundKind;
  seats_open: number;
  rules: { thresholds: ElectionThresholds; roll: RollRuleValue; versions: string[] };
  certified_at: Date | null;
  version: string;
}

interface CandidateRow {
  id: string;
  resident_id: string;
  display_name: string;
  statement: string;
  public_name_consent: boolean;
  rounds: number[];
}

interface StoredTally {
  round: number;
  registered: number;
  ballotsCast: number;
  valid: boolean;
  results: Array<{ candidateId: string; votes: number; elected: boolean; reason: string }>;
  seatsFilled: number;
  next?: { kind: 'runoff' | 'revote'; candidateIds: string[]; seats: number };
  digest: string;
  rule: string;
}

const ELECTION_COLUMNS = `id, scope_node_id, committee_id, title, mode, seats,
  to_char(election_day, 'YYYY-MM-DD') AS election_day, allow_revote, status, roll_published_at,
  to_char(objection_deadline, 'YYYY-MM-DD') AS objection_deadline, registered_electors, round, round_kind,
  seats_open, rules, certified_at, version`;

/** Statutory bodies' elections keep the VC-3 roll periods; mandated committees' elections are informal. */
const STATUTORY_TYPES = new Set(['residents', 'village', 'owners']);

/**
 * Elections: the roll as a snapshot of the electorate projection (RC-3, RC-4), objections (VC-3), candidates
 * (VC-4), a secret ballot (who voted is stored apart from what was voted, with no link), one ballot per elector
 * and round held by a primary key, sealed results, tallies with statutory thresholds (RC-8, VC-5), runoffs,
 * certification that fills the committee's seats, and receipts checkable against the published hash list.
 */
@Injectable()
export class ElectionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: GovernanceAccess,
    private readonly params: ParametersRepository,
    private readonly electorate: ElectorateRepository,
    private readonly committeesRepo: CommitteesRepository,
    private readonly committees: CommitteesService,
    private readonly relay: OutboxRelay,
  ) {}

  // --- set-up ---------------------------------------------------------------------------------------------

  async create(req: CreateElectionRequest, principal: Principal | undefined): Promise<Election> {
    const mode = electionModes.name(req.mode);
    const v: Array<{ field: string; description: string }> = [];
    if (!isUuid(req.scopeNodeId)) v.push({ field: 'scope_node_id', description: 'must be a UUID' });
    if (req.committeeId && !isUuid(req.committeeId))
      v.push({ field: 'committee_id', description: 'must be a UUID' });
    const title = req.title.trim();
    if (title.length < 1 || title.length > 200)
      v.push({ field: 'title', description: 'must be 1 to 200 characters' });
    if (!mode) v.push({ field: 'mode', description: 'must be all_voters, household_reps or group_reps' });
    if (!Number.isInteger(req.seats) || req.seats < 1 || req.seats > 99)
      v.push({ field: 'seats', description: 'must be 1 to 99' });
    if (!isDate(req.electionDay))
      v.push({ field: 'election_day', description: 'must be a date (YYYY-MM-DD)' });
    else if (req.electionDay < today())
      v.push({ field: 'election_day', description: 'must not be in the past' });
    if (v.length) throw RpcError.invalidArgument(v);
    await this.access.require(principal, 'governance.write', req.scopeNodeId, 'node');
    let statutory = false;
    if (req.committeeId) {
      const c = await this.committeesRepo.find(req.committeeId);
      if (!c || c.scopeNodeId !== req.scopeNodeId) throw new NotFound('committee');
      const held = (await this.committeesRepo.currentSeats([c.id])).length;
      if (req.seats > c.size - held) {
        throw ElectionError.rule(
          'MORE_SEATS_THAN_VACANCIES',
          `The committee has ${c.size - held} vacancies.`,
          'seats',
        );
      }
      if (req.electionDay >= c.termEnd)
        throw ElectionError.rule(
          'OUTSIDE_TERM',
          "The election falls after the committee's term (VC-8).",
          'election_day',
        );
      statutory = STATUTORY_TYPES.has(c.type);
    }
    const thresholds = await this.params.get<ElectionThresholds>('election.thresholds', req.electionDay);
    const roll = await this.params.get<RollRuleValue>(
      statutory ? 'election.roll' : 'election.roll.mandated',
      req.electionDay,
    );
    const id = newId();
    await this.dataSource.query(
      `INSERT INTO elections (id, scope_node_id, committee_id, title, mode, seats, election_day, allow_revote,
                              seats_open, rules, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6, $9, $10)`,
      [
        id,
        req.scopeNodeId,
        req.committeeId || null,
        title,
        mode,
        req.seats,
        req.electionDay,
        req.allowRevote,
        JSON.stringify({
          thresholds: thresholds.value,
          roll: roll.value,
          versions: [parameterVersion(thresholds), parameterVersion(roll)],
        }),
        principal?.subject ?? null,
      ],
    );
    return this.current(id);
  }

  private async row(id: string, m: EntityManager = this.dataSource.manager, lock?: 'update' | 'share') {
    const rows: ElectionRow[] = await m.query(
      `SELECT ${ELECTION_COLUMNS} FROM elections WHERE id = $1 ${lock === 'update' ? 'FOR UPDATE' : lock === 'share' ? 'FOR SHARE' : ''}`,
      [id],
    );
    return rows[0];
  }

  private async visible(
    id: string,
    principal: Principal | undefined,
    action: 'governance.read' | 'governance.write' | 'governance.certify',
  ) {
    if (!isUuid(id))
      throw RpcError.invalidArgument([{ field: 'election_id', description: 'must be a UUID' }]);
    const row = await this.row(id);
    if (!row || !(await this.access.may(principal, action, row.scope_node_id)))
      throw new NotFound('election');
    return row;
  }

  async get(id: string, principal: Principal | undefined): Promise<Election> {
    return this.toElection(await this.visible(id, principal, 'governance.read'), 'operator');
  }

  /** The election after a command the caller was already allowed to make (no second scope check). */
  private async current(id: string): Promise<Election> {
    return this.toElection(await this.row(id), 'operator');
  }

  /** VC-3: the roll is published ≥ N days before the election day; objections within M days. */
  async publishRoll(id: string, principal: Principal | undefined): Promise<Election> {
    const row = await this.visible(id, principal, 'governance.write');
    await withTransaction(this.dataSource, async (m) => {
      const e = await this.row(id, m, 'update');
      if (e.status !== 'draft')
        throw ElectionError.rule('ROLL_ALREADY_PUBLISHED', 'The roll was published already.');
      const publishedOn = today();
      const latest = addDays(e.election_day, -e.rules.roll.publishDaysBefore);
      if (publishedOn > latest) {
        throw ElectionError.rule(
          'ROLL_TOO_LATE',
          `VC-3: the roll is published at least ${e.rules.roll.publishDaysBefore} days before the election day (by ${latest}).`,
        );
      }
      // RC-3: residents of the scope, adults on the election day. RC-4: one elector per household in
      // household mode (households with at least one adult).
      if (e.mode === 'all_voters') {
        await m.query(
          `INSERT INTO electorate (election_id, voter_key, household_id, resident_id)
           SELECT $1, r.resident_id, r.household_id, r.resident_id
             FROM org_residents r JOIN org_households h USING (household_id)
            WHERE h.node_path @> ARRAY[$2]::uuid[] AND r.left_at IS NULL AND r.joined_at IS NOT NULL
              AND r.adult_on <= $3`,
          [e.id, e.scope_node_id, e.election_day],
        );
      } else if (e.mode === 'group_reps') {
        // RC-4: the 2 or 3 representatives of each residents' group of the scope, if they still live there and
        // are adults on the election day.
        await m.query(
          `INSERT INTO electorate (election_id, voter_key, household_id, resident_id)
           SELECT DISTINCT $1::uuid, r.resident_id, r.household_id, r.resident_id
             FROM residents_groups g
             CROSS JOIN LATERAL unnest(g.representative_ids) AS rep(id)
             JOIN org_residents r ON r.resident_id = rep.id
             JOIN org_households h ON h.household_id = r.household_id
            WHERE (g.scope_node_id = $2 OR g.scope_path @> ARRAY[$2]::uuid[])
              AND h.node_path @> ARRAY[$2]::uuid[] AND r.left_at IS NULL AND r.joined_at IS NOT NULL
              AND r.adult_on <= $3`,
          [e.id, e.scope_node_id, e.election_day],
        );
      } else {
        await m.query(
          `INSERT INTO electorate (election_id, voter_key, household_id)
           SELECT $1, h.household_id, h.household_id FROM org_households h
            WHERE h.node_path @> ARRAY[$2]::uuid[]
              AND EXISTS (SELECT 1 FROM org_residents r WHERE r.household_id = h.household_id AND r.left_at IS NULL
                            AND r.joined_at IS NOT NULL AND r.adult_on <= $3)`,
          [e.id, e.scope_node_id, e.election_day],
        );
      }
      const deadline = addDays(publishedOn, e.rules.roll.objectionDays);
      const [{ n }] = (await m.query(`SELECT count(*)::int AS n FROM electorate WHERE election_id = $1`, [
        e.id,
      ])) as Array<{ n: number }>;
      if (n === 0 && e.mode === 'group_reps') {
        throw ElectionError.rule(
          'NO_GROUP_REPRESENTATIVES',
          "RC-4: GROUP_REPS needs residents' groups with representatives in the scope.",
        );
      }
      await m.query(
        `UPDATE elections SET status = 'roll_published', roll_published_at = now(), objection_deadline = $2,
                              registered_electors = $3, version = version + 1 WHERE id = $1`,
        [e.id, deadline, n],
      );
      await appendToOutbox(
        m,
        ElectionRollPublishedSchema,
        create(ElectionRollPublishedSchema, {
          electionId: e.id,
          scopeNodeId: e.scope_node_id,
          registeredElectors: n,
          objectionDeadline: deadline,
          occurredAt: timestampNow(),
        }),
        { actorSubject: principal?.subject },
      );
    });
    this.relay.kick();
    return this.current(row.id);
  }

  /** VC-3: admissible iff lodged within the objection window; decided within `decideDays` of receipt. */
  async lodgeObjection(
    req: LodgeRollObjectionRequest,
    principal: Principal | undefined,
  ): Promise<RollObjection> {
    const v: Array<{ field: string; description: string }> = [];
    if (!isUuid(req.electionId)) v.push({ field: 'election_id', description: 'must be a UUID' });
    if (!['add', 'remove'].includes(req.claim))
      v.push({ field: 'claim', description: 'must be add or remove' });
    if (!isUuid(req.residentId)) v.push({ field: 'resident_id', description: 'must be a UUID' });
    const reason = req.reason.trim();
    if (reason.length < 1 || reason.length > 1000)
      v.push({ field: 'reason', description: 'must be 1 to 1000 characters' });
    if (v.length) throw RpcError.invalidArgument(v);
    const e = await this.row(req.electionId);
    // Residents of the scope and its operators may object; anyone else sees no election.
    const me = await this.access.resident(principal);
    const allowed =
      e &&
      ((me && me.nodePath.includes(e.scope_node_id)) ||
        (await this.access.may(principal, 'governance.write', e.scope_node_id)));
    if (!e || !allowed) throw new NotFound('election');
    if (e.status !== 'roll_published')
      throw ElectionError.rule('ROLL_NOT_PUBLISHED', 'Objections are lodged against a published roll.');
    if (today() > e.objection_deadline!) {
      throw ElectionError.rule(
        'OBJECTION_LATE',
        `VC-3: objections are admissible until ${e.objection_deadline}.`,
      );
    }
    const id = newId();
    await this.dataSource.query(
      `INSERT INTO roll_objections (id, election_id, claim, resident_id, reason, lodged_by, decide_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        e.id,
        req.claim,
        req.residentId,
        reason,
        principal?.subject ?? null,
        addDays(today(), e.rules.roll.decideDays),
      ],
    );
    return this.objection(id);
  }

  private async objection(id: string): Promise<RollObjection> {
    const [r] = (await this.dataSource.query(
      `SELECT *, to_char(decide_by, 'YYYY-MM-DD') AS decide_by_s FROM roll_objections WHERE id = $1`,
      [id],
    )) as Array<Record<string, unknown>>;
    return create(RollObjectionSchema, {
      id: r.id as string,
      electionId: r.election_id as string,
      claim: r.claim as string,
      residentId: r.resident_id as string,
      reason: r.reason as string,
      lodgedAt: timestampFromDate(r.lodged_at as Date),
      status: r.status as string,
      answer: r.answer as string,
      decideBy: r.decide_by_s as string,
    });
  }

  async decideObjection(req: DecideRollObjectionRequest, principal: Principal | undefined) {
    if (!isUuid(req.objectionId))
      throw RpcError.invalidArgument([{ field: 'objection_id', description: 'must be a UUID' }]);
    const answer = req.answer.trim();
    if (answer.length < 1 || answer.length > 1000)
      throw RpcError.invalidArgument([{ field: 'answer', description: 'must be 1 to 1000 characters' }]);
    const [o] = (await this.dataSource.query(`SELECT election_id FROM roll_objections WHERE id = $1`, [
      req.objectionId,
    ])) as Array<{ election_id: string }>;
    if (!o) throw new NotFound('objection');
    const row = await this.visible(o.election_id, principal, 'governance.write').catch(() => {
      throw new NotFound('objection');
    });
    await withTransaction(this.dataSource, async (m) => {
      const e = await this.row(row.id, m, 'update');
      const [obj] = (await m.query(`SELECT * FROM roll_objections WHERE id = $1 FOR UPDATE`, [
        req.objectionId,
      ])) as Array<Record<string, string>>;
      if (obj.status !== 'pending')
        throw ElectionError.rule('OBJECTION_DECIDED', 'The objection was decided already.');
      if (e.status !== 'roll_published')
        throw ElectionError.rule('ROLL_CLOSED', 'The roll can change only before voting opens.');
      if (req.upheld) {
        if (obj.claim === 'add') {
          const adult = await this.electorate.adultUnder(m, obj.resident_id, e.scope_node_id, e.election_day);
          if (!adult)
            throw ElectionError.rule(
              'NOT_AN_ELECTOR',
              'RC-3: the person is not an adult resident of the scope.',
            );
          const key = e.mode === 'household_reps' ? adult.householdId : obj.resident_id;
          await m.query(
            `INSERT INTO electorate (election_id, voter_key, household_id, resident_id, source)
             VALUES ($1, $2, $3, $4, 'objection') ON CONFLICT DO NOTHING`,
            [e.id, key, adult.householdId, e.mode === 'household_reps' ? null : obj.resident_id],
          );
        } else {
          await m.query(
            `DELETE FROM electorate WHERE election_id = $1 AND (voter_key = $2 OR resident_id = $2)`,
            [e.id, obj.resident_id],
          );
        }
        await m.query(
          `UPDATE elections SET registered_electors = (SELECT count(*) FROM electorate WHERE election_id = $1),
                                version = version + 1 WHERE id = $1`,
          [e.id],
        );
      }
      await m.query(
        `UPDATE roll_objections SET status = $2, answer = $3, decided_by = $4, decided_at = now() WHERE id = $1`,
        [obj.id, req.upheld ? 'upheld' : 'dismissed', answer, principal?.subject ?? null],
      );
    });
    return { objection: await this.objection(req.objectionId), election: await this.current(row.id) };
  }

  async nominate(req: NominateCandidateRequest, principal: Principal | undefined): Promise<Election> {
    const v: Array<{ field: string; description: string }> = [];
    if (!isUuid(req.residentId)) v.push({ field: 'resident_id', description: 'must be a UUID' });
    const name = req.displayName.trim();
    if (name.length < 1 || name.length > 50)
      v.push({ field: 'display_name', description: 'must be 1 to 50 characters' });
    if (req.statement.length > 2000) v.push({ field: 'statement', description: 'at most 2000 characters' });
    if (v.length) throw RpcError.invalidArgument(v);
    const e = await this.visible(req.electionId, principal, 'governance.write');
    if (!['draft', 'roll_published'].includes(e.status))
      throw ElectionError.rule('NOMINATIONS_CLOSED', 'Candidates are nominated before voting opens.');
    if (
      !(await this.electorate.adultUnder(
        this.dataSource.manager,
        req.residentId,
        e.scope_node_id,
        e.election_day,
      ))
    ) {
      throw ElectionError.rule(
        'NOT_AN_ELECTOR',
        'RC-3: a candidate is an adult resident of the scope on the election day.',
        'resident_id',
      );
    }
    try {
      await this.dataSource.query(
        `INSERT INTO candidates (id, election_id, resident_id, display_name, statement, public_name_consent, nominated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          newId(),
          e.id,
          req.residentId,
          name,
          req.statement.trim(),
          req.publicNameConsent,
          principal?.subject ?? null,
        ],
      );
    } catch (err) {
      if (isUniqueViolation(err))
        throw new RpcError(
          ErrorCode.ALREADY_EXISTS,
          'ALREADY_NOMINATED',
          'The resident is a candidate already.',
        );
      throw err;
    }
    return this.current(e.id);
  }

  /** Opens voting for the current round: VC-4 more candidates than seats; no objection left undecided. */
  async openVoting(id: string, principal: Principal | undefined): Promise<Election> {
    const row = await this.visible(id, principal, 'governance.write');
    await withTransaction(this.dataSource, async (m) => {
      const e = await this.row(id, m, 'update');
      if (e.status === 'roll_published') {
        if (today() < e.election_day)
          throw ElectionError.rule('TOO_EARLY', `Voting opens on the election day (${e.election_day}).`);
        const [{ n }] = (await m.query(
          `SELECT count(*)::int AS n FROM roll_objections WHERE election_id = $1 AND status = 'pending'`,
          [e.id],
        )) as Array<{ n: number }>;
        if (n > 0)
          throw ElectionError.rule(
            'OBJECTIONS_PENDING',
            'VC-3: every objection to the roll is decided before voting.',
          );
      } else if (e.status !== 'runoff_required') {
        throw ElectionError.rule('NOT_READY', 'Voting opens after the roll is published, or for a runoff.');
      }
      const standing = (await this.candidates(m, e.id)).filter((c) => c.rounds.includes(e.round)).length;
      if (standing <= e.seats_open) {
        throw ElectionError.rule(
          'TOO_FEW_CANDIDATES',
          `VC-4: more candidates than seats (${standing} for ${e.seats_open}).`,
        );
      }
      await m.query(`UPDATE elections SET status = 'open', version = version + 1 WHERE id = $1`, [e.id]);
    });
    return this.current(row.id);
  }

  // --- voting -----------------------------------------------------------------------------------------------

  /** An online ballot by the signed-in elector. Five parallel submissions yield one ballot and four refusals. */
  async cast(req: CastBallotRequest, principal: Principal | undefined) {
    const v: Array<{ field: string; description: string }> = [];
    if (!isUuid(req.electionId)) v.push({ field: 'election_id', description: 'must be a UUID' });
    if (req.candidateIds.some((c) => !isUuid(c)))
      v.push({ field: 'candidate_ids', description: 'must be UUIDs' });
    if (req.onBehalfOfResidentId && !isUuid(req.onBehalfOfResidentId))
      v.push({ field: 'on_behalf_of_resident_id', description: 'must be a UUID' });
    if (v.length) throw RpcError.invalidArgument(v);
    const me = await this.access.resident(principal);
    // A resident votes only where they are on the roll: everywhere else the election does not exist.
    if (!me) throw new NotFound('election');
    const secret = randomBytes(32).toString('base64url');
    const receipt = sha256(secret);
    const round = await withTransaction(this.dataSource, (m) =>
      this.castIn(
        m,
        req.electionId,
        { resident: me, onBehalfOf: req.onBehalfOfResidentId },
        'online',
        req,
        receipt,
        principal,
      ),
    );
    this.relay.kick();
    return { receipt: { electionId: req.electionId, round, receipt, secret } };
  }

  /**
   * The ballot's transaction: a handful of statements on the hot path (the election locked FOR SHARE with its
   * standing candidates, the roll and proxy checks in one query; participation and ballot in one statement; the
   * event). Closing takes FOR UPDATE, so ballots in flight finish first. Exposed for the rolled-back-ballot test.
   */
  async castIn(
    m: EntityManager,
    electionId: string,
    voter: BallotVoter,
    channel: 'online' | 'paper' | 'meeting',
    req: Pick<CastBallotRequest, 'candidateIds' | 'previousReceiptSecret'>,
    receipt: string,
    principal?: Principal,
  ): Promise<number> {
    const own = 'resident' in voter ? voter.resident : undefined;
    const [e] = (await m.query(
      `SELECT e.id, e.status, e.round, e.mode, e.seats_open, e.allow_revote,
              ARRAY(SELECT c.id FROM candidates c WHERE c.election_id = e.id AND e.round = ANY(c.rounds)) AS standing,
              EXISTS (SELECT 1 FROM electorate x WHERE x.election_id = e.id
                         AND x.voter_key = CASE WHEN e.mode = 'household_reps' THEN $2::uuid ELSE $3::uuid END) AS on_roll,
              ($4::uuid IS NOT NULL AND EXISTS (
                 SELECT 1 FROM election_proxies p
                  WHERE p.election_id = e.id AND p.principal_resident_id = $4 AND p.holder_resident_id = $3
                    AND EXISTS (SELECT 1 FROM electorate x WHERE x.election_id = e.id AND x.voter_key = $4))) AS proxy
         FROM elections e WHERE e.id = $1 FOR SHARE OF e`,
      [
        electionId,
        own ? own.householdId : (voter as { voterKey: string }).voterKey,
        own ? own.residentId : (voter as { voterKey: string }).voterKey,
        own && 'onBehalfOf' in voter && voter.onBehalfOf ? voter.onBehalfOf : null,
      ],
    )) as Array<{
      id: string;
      status: string;
      round: number;
      mode: string;
      seats_open: number;
      allow_revote: boolean;
      standing: string[];
      on_roll: boolean;
      proxy: boolean;
    }>;
    if (!e || (own && !e.on_roll)) throw new NotFound('election');
    let voterKey: string;
    if (own) {
      if (e.mode === 'household_reps' && !own.representative) {
        throw ElectionError.rule(
          'NOT_THE_REPRESENTATIVE',
          "RC-4: in household mode the household's representative votes for it.",
        );
      }
      voterKey = e.mode === 'household_reps' ? own.householdId : own.residentId;
      if ('onBehalfOf' in voter && voter.onBehalfOf) {
        // VC-6: only the registered proxy holder votes for the elector who authorised them.
        if (!e.proxy) {
          throw ElectionError.rule(
            'NOT_A_PROXY_HOLDER',
            'VC-6: you hold no registered proxy for this elector.',
            'on_behalf_of_resident_id',
          );
        }
        voterKey = voter.onBehalfOf;
      }
    } else {
      voterKey = (voter as { voterKey: string }).voterKey;
    }
    if (e.status !== 'open') throw ElectionError.rule('VOTING_CLOSED', 'Voting is not open.');
    const ids = req.candidateIds;
    if (
      ids.length > e.seats_open ||
      new Set(ids).size !== ids.length ||
      ids.some((i) => !e.standing.includes(i))
    ) {
      throw RpcError.invalidArgument([
        {
          field: 'candidate_ids',
          description: `choose up to ${e.seats_open} different candidates of this round`,
        },
      ]);
    }
    // One ballot per elector and round: the participation key decides, and the ballot is written only with it.
    const cast: unknown[] = await m.query(
      `WITH p AS (
         INSERT INTO ballot_participation (election_id, round, voter_key, channel) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING 1)
       INSERT INTO ballots (election_id, round, choices, receipt, channel)
       SELECT $1, $2, $5::uuid[], $6, $4 FROM p RETURNING id`,
      [e.id, e.round, voterKey, channel, ids, receipt],
    );
    if (cast.length === 0) {
      if (!e.allow_revote || channel !== 'online') {
        throw new RpcError(
          ErrorCode.ALREADY_EXISTS,
          'ALREADY_VOTED',
          'This elector has voted in this round.',
        );
      }
      // A revote replaces the ballot whose secret the voter presents (the server never stored the link).
      const previous = req.previousReceiptSecret ? sha256(req.previousReceiptSecret) : '';
      const replaced = await queryRows(
        m,
        `UPDATE ballots SET superseded = true
          WHERE election_id = $1 AND round = $2 AND receipt = $3 AND NOT superseded AND channel = 'online' RETURNING id`,
        [e.id, e.round, previous],
      );
      if (replaced.length !== 1) {
        throw new RpcError(
          ErrorCode.ALREADY_EXISTS,
          'ALREADY_VOTED',
          'A revote presents the receipt secret of the ballot it replaces.',
        );
      }
      await m.query(
        `UPDATE ballot_participation SET revotes = revotes + 1 WHERE election_id = $1 AND round = $2 AND voter_key = $3`,
        [e.id, e.round, voterKey],
      );
      await m.query(
        `INSERT INTO ballots (election_id, round, choices, receipt, channel) VALUES ($1, $2, $3::uuid[], $4, $5)`,
        [e.id, e.round, ids, receipt, channel],
      );
    }
    await appendToOutbox(
      m,
      BallotCastSchema,
      create(BallotCastSchema, {
        electionId: e.id,
        round: e.round,
        channel: ballotChannels.value(channel),
        occurredAt: timestampNow(),
      }),
      { actorSubject: principal?.subject },
    );
    return e.round;
  }

  /** A teller enters a paper or meeting ballot. A second ballot for the same elector is a recorded conflict. */
  async recordPaper(req: RecordPaperBallotRequest, principal: Principal | undefined) {
    const channel = ballotChannels.name(req.channel) as 'paper' | 'meeting' | undefined;
    const v: Array<{ field: string; description: string }> = [];
    if (channel !== 'paper' && channel !== 'meeting')
      v.push({ field: 'channel', description: 'must be paper or meeting' });
    if (req.candidateIds.some((c) => !isUuid(c)))
      v.push({ field: 'candidate_ids', description: 'must be UUIDs' });
    if (v.length) throw RpcError.invalidArgument(v);
    const e = await this.visible(req.electionId, principal, 'governance.write');
    const voterKey = e.mode === 'household_reps' ? req.householdId : req.residentId;
    if (!isUuid(voterKey)) {
      throw RpcError.invalidArgument([
        {
          field: e.mode === 'household_reps' ? 'household_id' : 'resident_id',
          description: 'names the elector of the roll',
        },
      ]);
    }
    if (!(await this.onRoll(e.id, voterKey)))
      throw ElectionError.rule('NOT_ON_ROLL', 'The elector is not on the roll.');
    const receipt = sha256(randomBytes(32).toString('base64url'));
    const outcome = await withTransaction(this.dataSource, async (m) => {
      const [existing] = (await m.query(
        `SELECT channel FROM ballot_participation bp JOIN elections el ON el.id = bp.election_id AND el.round = bp.round
          WHERE bp.election_id = $1 AND bp.voter_key = $2`,
        [e.id, voterKey],
      )) as Array<{ channel: string }>;
      if (existing) {
        const conflictId = newId();
        await m.query(
          `INSERT INTO ballot_conflicts (id, election_id, round, voter_key, existing_channel, attempted_channel, recorded_by)
           SELECT $1, id, round, $3, $4, $5, $6 FROM elections WHERE id = $2`,
          [conflictId, e.id, voterKey, existing.channel, channel, principal?.subject ?? null],
        );
        return { counted: false, receipt: '', conflictId };
      }
      await this.castIn(
        m,
        e.id,
        { voterKey },
        channel!,
        { candidateIds: req.candidateIds, previousReceiptSecret: '' },
        receipt,
        principal,
      );
      return { counted: true, receipt, conflictId: '' };
    });
    this.relay.kick();
    return outcome;
  }

  async closeVoting(id: string, principal: Principal | undefined): Promise<Election> {
    const row = await this.visible(id, principal, 'governance.write');
    const closed = await queryRows(
      this.dataSource,
      `UPDATE elections SET status = 'closed', version = version + 1 WHERE id = $1 AND status = 'open' RETURNING id`,
      [row.id],
    );
    if (closed.length === 0) throw ElectionError.rule('NOT_OPEN', 'Only open voting closes.');
    return this.current(row.id);
  }

  // --- results --------------------------------------------------------------------------------------------

  /** Counts the round that just closed. Refused while voting is open or before it, whoever asks. */
  async tally(id: string, principal: Principal | undefined): Promise<{ tally: Tally; election: Election }> {
    const row = await this.visible(id, principal, 'governance.write');
    if (!['closed', 'runoff_required', 'certified', 'invalid'].includes(row.status))
      throw ElectionError.sealed();
    const stored = await withTransaction(this.dataSource, async (m) => {
      const e = await this.row(id, m, 'update');
      const round = e.status === 'runoff_required' ? e.round - 1 : e.round;
      const existing = await this.storedTally(m, e.id, round);
      if (existing || e.status !== 'closed') return existing!;
      const t = await this.count(m, e);
      await m.query(`INSERT INTO tallies (election_id, round, tally) VALUES ($1, $2, $3)`, [
        e.id,
        e.round,
        JSON.stringify(t),
      ]);
      if (!t.valid) {
        await m.query(`UPDATE elections SET status = 'invalid', version = version + 1 WHERE id = $1`, [e.id]);
      } else if (t.next) {
        await m.query(
          `UPDATE candidates SET rounds = array_append(rounds, $2) WHERE election_id = $1 AND id = ANY($3::uuid[])`,
          [e.id, e.round + 1, t.next.candidateIds],
        );
        await m.query(
          `UPDATE elections SET status = 'runoff_required', round = round + 1, round_kind = $2, seats_open = $3,
                                version = version + 1 WHERE id = $1`,
          [e.id, t.next.kind, t.next.seats],
        );
      }
      return t;
    });
    return {
      tally: this.toTally(row.id, stored, await this.namesOf(row.id, 'operator')),
      election: await this.current(row.id),
    };
  }

  private async storedTally(
    m: EntityManager,
    electionId: string,
    round: number,
  ): Promise<StoredTally | undefined> {
    const rows: Array<{ tally: StoredTally }> = await m.query(
      `SELECT tally FROM tallies WHERE election_id = $1 AND round = $2`,
      [electionId, round],
    );
    return rows[0]?.tally;
  }

  /** One aggregate query over the round's counted ballots (the 100,000-ballot tally bench runs this). */
  async count(m: EntityManager, e: ElectionRow): Promise<StoredTally> {
    const standing = (await this.candidates(m, e.id)).filter((c) => c.rounds.includes(e.round));
    const [{ cast, digest }] = (await m.query(
      `SELECT count(*)::int AS cast, encode(sha256(convert_to(coalesce(string_agg(receipt, E'\\n' ORDER BY receipt), ''), 'UTF8')), 'hex') AS digest
         FROM ballots WHERE election_id = $1 AND round = $2 AND NOT superseded`,
      [e.id, e.round],
    )) as Array<{ cast: number; digest: string }>;
    const votes: Array<{ candidate_id: string; n: number }> = await m.query(
      `SELECT c AS candidate_id, count(*)::int AS n FROM ballots, unnest(choices) AS c
        WHERE election_id = $1 AND round = $2 AND NOT superseded GROUP BY c`,
      [e.id, e.round],
    );
    const byId = new Map(standing.map((c) => [c.id, 0]));
    for (const v of votes) if (byId.has(v.candidate_id)) byId.set(v.candidate_id, v.n);
    const r = tallyRound({
      kind: e.round_kind,
      registered: e.registered_electors,
      ballotsCast: cast,
      seatsOpen: e.seats_open,
      votes: byId,
      thresholds: e.rules.thresholds,
    });
    return {
      round: e.round,
      registered: e.registered_electors,
      ballotsCast: cast,
      valid: r.valid,
      results: r.outcomes,
      seatsFilled: r.elected.length,
      next: r.next,
      digest,
      rule: r.rule,
    };
  }

  /** Certifies a counted election with no round left; fills the committee's seats in the same transaction. */
  async certify(id: string, principal: Principal | undefined): Promise<Election> {
    const row = await this.visible(id, principal, 'governance.certify');
    await withTransaction(this.dataSource, async (m) => {
      const e = await this.row(id, m, 'update');
      if (e.status !== 'closed' || !(await this.storedTally(m, e.id, e.round))) {
        throw ElectionError.rule(
          'NOT_CERTIFIABLE',
          'An election is certified once its last round is counted and valid.',
        );
      }
      const elected = await this.elected(m, e.id);
      if (e.committee_id) {
        const c = (await this.committeesRepo.find(e.committee_id, m))!;
        await this.committees.fill(
          m,
          c,
          elected.map((x) => ({
            residentId: x.residentId,
            displayName: x.name,
            publicNameConsent: x.consent,
          })),
          `election:${e.id}`,
          today() < c.termStart ? c.termStart : today(),
          principal,
        );
      }
      await m.query(
        `UPDATE elections SET status = 'certified', certified_at = now(), version = version + 1 WHERE id = $1`,
        [e.id],
      );
      const [last] = (await m.query(
        `SELECT tally FROM tallies WHERE election_id = $1 ORDER BY round LIMIT 1`,
        [e.id],
      )) as Array<{ tally: StoredTally }>;
      await appendToOutbox(
        m,
        ElectionCertifiedSchema,
        create(ElectionCertifiedSchema, {
          electionId: e.id,
          scopeNodeId: e.scope_node_id,
          committeeId: e.committee_id ?? '',
          elected: elected.map((x) => ({
            candidateId: x.candidateId,
            displayName: displayName(x.name, x.consent, 'public'),
            votes: BigInt(x.votes),
            round: x.round,
          })),
          registered: BigInt(last.tally.registered),
          ballotsCast: BigInt(last.tally.ballotsCast),
          ballotsDigest: last.tally.digest,
          occurredAt: timestampNow(),
        }),
        { actorSubject: principal?.subject },
      );
    });
    this.relay.kick();
    return this.current(row.id);
  }

  private async elected(m: EntityManager, electionId: string) {
    const tallies: Array<{ tally: StoredTally }> = await m.query(
      `SELECT tally FROM tallies WHERE election_id = $1 ORDER BY round`,
      [electionId],
    );
    const candidates = new Map((await this.candidates(m, electionId)).map((c) => [c.id, c]));
    return tallies.flatMap(({ tally }) =>
      tally.results
        .filter((r) => r.elected)
        .map((r) => {
          const c = candidates.get(r.candidateId)!;
          return {
            candidateId: c.id,
            residentId: c.resident_id,
            name: c.display_name,
            consent: c.public_name_consent,
            votes: r.votes,
            round: tally.round,
          };
        }),
    );
  }

  /** The notice board's view: only once certified (or declared invalid); names masked unless consented (PI-3). */
  async publicResults(id: string) {
    if (!isUuid(id))
      throw RpcError.invalidArgument([{ field: 'election_id', description: 'must be a UUID' }]);
    const e = await this.row(id);
    if (!e || !['certified', 'invalid'].includes(e.status)) throw new NotFound('election');
    const tallies: Array<{ tally: StoredTally }> = await this.dataSource.query(
      `SELECT tally FROM tallies WHERE election_id = $1 ORDER BY round`,
      [id],
    );
    const names = await this.namesOf(id, 'public');
    const elected = e.status === 'certified' ? await this.elected(this.dataSource.manager, id) : [];
    return create(PublicResultsSchema, {
      electionId: id,
      title: e.title,
      scopeNodeId: e.scope_node_id,
      seats: e.seats,
      rounds: tallies.map((t) => this.toTally(id, t.tally, names)),
      elected: elected.map((x) => ({
        candidateId: x.candidateId,
        displayName: displayName(x.name, x.consent, 'public'),
        votes: BigInt(x.votes),
        round: x.round,
      })),
      certifiedAt: e.certified_at ? timestampFromDate(e.certified_at) : undefined,
    });
  }

  /** The published list of ballot hashes of a counted round, with its digest (receipt check). */
  async ballotHashes(id: string, round: number, limit: number, cursor: string) {
    if (!isUuid(id))
      throw RpcError.invalidArgument([{ field: 'election_id', description: 'must be a UUID' }]);
    if (cursor && !/^[0-9a-f]{64}$/.test(cursor))
      throw RpcError.invalidArgument([{ field: 'cursor', description: 'must be a receipt' }]);
    const e = await this.row(id);
    if (!e) throw new NotFound('election');
    const r = round || 1;
    const stored = await this.storedTally(this.dataSource.manager, id, r);
    if (!stored) throw ElectionError.sealed();
    const size = Math.min(Math.max(limit || 500, 1), 5000);
    const rows: Array<{ receipt: string }> = await this.dataSource.query(
      `SELECT receipt FROM ballots WHERE election_id = $1 AND round = $2 AND NOT superseded AND ($3 = '' OR receipt > $3)
        ORDER BY receipt LIMIT $4`,
      [id, r, cursor, size + 1],
    );
    const page = rows.slice(0, size).map((x) => x.receipt);
    return {
      hashes: page,
      nextCursor: rows.length > size ? page[page.length - 1] : '',
      digest: stored.digest,
    };
  }

  async myStatus(id: string, principal: Principal | undefined) {
    if (!isUuid(id))
      throw RpcError.invalidArgument([{ field: 'election_id', description: 'must be a UUID' }]);
    const me = await this.access.resident(principal);
    const e = me && (await this.row(id));
    const key = e && (e.mode === 'household_reps' ? me.householdId : me.residentId);
    if (!e || !key || !(await this.onRoll(e.id, key))) throw new NotFound('election');
    const voted: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ballot_participation WHERE election_id = $1 AND round = $2 AND voter_key = $3`,
      [e.id, e.round, key],
    );
    return { onRoll: true, voted: voted.length > 0, round: e.round };
  }

  // --- proxies (VC-6) -------------------------------------------------------------------------------------

  /**
   * VC-6: an elector authorises a close relative with voting rights in writing; where the parameter allows
   * proxies for the body's elections, each holder holds at most the provincial cap; the list is published.
   */
  async registerProxy(req: RegisterProxyRequest, principal: Principal | undefined): Promise<Proxy> {
    const v: Array<{ field: string; description: string }> = [];
    if (!isUuid(req.principalResidentId))
      v.push({ field: 'principal_resident_id', description: 'must be a UUID' });
    if (!isUuid(req.holderResidentId)) v.push({ field: 'holder_resident_id', description: 'must be a UUID' });
    if (req.principalResidentId === req.holderResidentId)
      v.push({ field: 'holder_resident_id', description: 'must be someone else' });
    if (!PROXY_RELATIONS.includes(req.relation))
      v.push({
        field: 'relation',
        description: `must be one of ${PROXY_RELATIONS.join(', ')} (a close relative)`,
      });
    const doc = req.documentRef.trim();
    if (doc.length < 1 || doc.length > 200)
      v.push({ field: 'document_ref', description: 'the written authorisation: 1 to 200 characters' });
    for (const [field, value] of [
      ['principal_display_name', req.principalDisplayName],
      ['holder_display_name', req.holderDisplayName],
    ] as const) {
      if (value.trim().length < 1 || value.trim().length > 50)
        v.push({ field, description: 'must be 1 to 50 characters' });
    }
    if (v.length) throw RpcError.invalidArgument(v);
    const row = await this.visible(req.electionId, principal, 'governance.write');
    const id = newId();
    await withTransaction(this.dataSource, async (m) => {
      const e = await this.row(row.id, m, 'update');
      const committee = e.committee_id ? await this.committeesRepo.find(e.committee_id, m) : undefined;
      const rule = await this.params.get<{ allowedFor: string[]; maxPerHolder: number }>(
        'election.proxy',
        e.election_day,
      );
      if (!committee || !rule.value.allowedFor.includes(committee.type) || e.mode !== 'all_voters') {
        throw ElectionError.rule('PROXY_NOT_ALLOWED', "VC-6: this election's rules allow no proxies.");
      }
      if (e.status !== 'roll_published') {
        throw ElectionError.rule(
          'PROXIES_CLOSED',
          'Proxies are registered after the roll is published and before voting.',
        );
      }
      for (const who of [req.principalResidentId, req.holderResidentId]) {
        const on: unknown[] = await m.query(
          `SELECT 1 FROM electorate WHERE election_id = $1 AND voter_key = $2`,
          [e.id, who],
        );
        if (on.length === 0) {
          throw ElectionError.rule(
            'NOT_ON_ROLL',
            'VC-6: both the elector and the holder have voting rights here.',
          );
        }
      }
      const [{ n }] = (await m.query(
        `SELECT count(*)::int AS n FROM election_proxies WHERE election_id = $1 AND holder_resident_id = $2`,
        [e.id, req.holderResidentId],
      )) as Array<{ n: number }>;
      if (n >= rule.value.maxPerHolder) {
        throw ElectionError.rule(
          'PROXY_CAP',
          `VC-6: a holder carries at most ${rule.value.maxPerHolder} proxies.`,
        );
      }
      try {
        await m.query(
          `INSERT INTO election_proxies (id, election_id, principal_resident_id, holder_resident_id, relation, document_ref,
                                         principal_display_name, holder_display_name, registered_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            id,
            e.id,
            req.principalResidentId,
            req.holderResidentId,
            req.relation,
            doc,
            req.principalDisplayName.trim(),
            req.holderDisplayName.trim(),
            principal?.subject ?? null,
          ],
        );
      } catch (err) {
        if (isUniqueViolation(err))
          throw new RpcError(ErrorCode.ALREADY_EXISTS, 'PROXY_EXISTS', 'The elector has a proxy already.');
        throw err;
      }
    });
    return (await this.proxies(row.id, 'operator')).find((p) => p.id === id)!;
  }

  /** The published list of proxies (VC-6): public once the roll is published, names masked (PI-3). */
  async listProxies(electionId: string): Promise<Proxy[]> {
    if (!isUuid(electionId))
      throw RpcError.invalidArgument([{ field: 'election_id', description: 'must be a UUID' }]);
    const e = await this.row(electionId);
    if (!e || e.status === 'draft') throw new NotFound('election');
    return this.proxies(e.id, 'public');
  }

  private async proxies(electionId: string, view: NameView): Promise<Proxy[]> {
    const rows: Array<Record<string, string>> = await this.dataSource.query(
      `SELECT * FROM election_proxies WHERE election_id = $1 ORDER BY registered_at, id`,
      [electionId],
    );
    return rows.map((r) =>
      create(ProxySchema, {
        id: r.id,
        electionId: r.election_id,
        principalResidentId: view === 'operator' ? r.principal_resident_id : '',
        holderResidentId: view === 'operator' ? r.holder_resident_id : '',
        relation: r.relation,
        documentRef: view === 'operator' ? r.document_ref : '',
        principalDisplayName: displayName(r.principal_display_name, false, view),
        holderDisplayName: displayName(r.holder_display_name, false, view),
      }),
    );
  }

  // --- helpers --------------------------------------------------------------------------------------------

  private async onRoll(electionId: string, voterKey: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM electorate WHERE election_id = $1 AND voter_key = $2`,
      [electionId, voterKey],
    );
    return rows.length > 0;
  }

  private candidates(m: EntityManager, electionId: string): Promise<CandidateRow[]> {
    return m.query(
      `SELECT id, resident_id, display_name, statement, public_name_consent, rounds FROM candidates WHERE election_id = $1 ORDER BY created_at, id`,
      [electionId],
    );
  }

  private async namesOf(electionId: string, view: NameView): Promise<Map<string, string>> {
    const list = await this.candidates(this.dataSource.manager, electionId);
    return new Map(list.map((c) => [c.id, displayName(c.display_name, c.public_name_consent, view)]));
  }

  private toTally(electionId: string, t: StoredTally, names: Map<string, string>): Tally {
    return create(TallySchema, {
      electionId,
      round: t.round,
      registered: BigInt(t.registered),
      ballotsCast: BigInt(t.ballotsCast),
      valid: t.valid,
      results: t.results.map((r) => ({
        candidateId: r.candidateId,
        displayName: names.get(r.candidateId) ?? '',
        votes: BigInt(r.votes),
        elected: r.elected,
        reason: r.reason,
      })),
      seatsFilled: t.seatsFilled,
      nextRoundCandidateIds: t.next?.candidateIds ?? [],
      ballotsDigest: t.digest,
      rule: t.rule,
    });
  }

  private async toElection(e: ElectionRow, view: NameView): Promise<Election> {
    const candidates = await this.candidates(this.dataSource.manager, e.id);
    return create(ElectionSchema, {
      id: e.id,
      scopeNodeId: e.scope_node_id,
      committeeId: e.committee_id ?? '',
      title: e.title,
      mode: electionModes.value(e.mode),
      seats: e.seats,
      electionDay: e.election_day,
      allowRevote: e.allow_revote,
      status: electionStatuses.value(e.status),
      rollPublishedAt: e.roll_published_at ? timestampFromDate(e.roll_published_at) : undefined,
      objectionDeadline: e.objection_deadline ?? '',
      registeredElectors: e.registered_electors,
      round: e.round,
      seatsOpen: e.seats_open,
      candidates: candidates.map((c) => ({
        id: c.id,
        residentId: view === 'operator' ? c.resident_id : '',
        displayName: displayName(c.display_name, c.public_name_consent, view),
        statement: c.statement,
        publicNameConsent: c.public_name_consent,
        rounds: c.rounds,
      })),
      version: BigInt(e.version),
    });
  }
}
