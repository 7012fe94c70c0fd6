import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate, timestampNow } from '@bufbuild/protobuf/wkt';
import {
  DecisionMadeSchema,
  MeetingSchema,
  MotionSchema,
  type ConveneMeetingRequest,
  type DecideMotionRequest,
  type Meeting,
  type Motion,
  type Principal,
  type ProposeMotionRequest,
  type RecordAttendanceRequest,
  type RecordOwnerVotesRequest,
  VoteChoice,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUuid, newId, queryRows, withTransaction } from '@linli/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { GovernanceError } from '../errors.js';
import { GovernanceAccess, NotFound } from '../access/governance-access.js';
import { CommitteesRepository } from '../committees/committees.repository.js';
import { CommitteesService } from '../committees/committees.service.js';
import { ElectorateRepository } from '../electorate/electorate.repository.js';
import {
  attendanceBases,
  committeeTypes,
  meetingKinds,
  meetingStatuses,
  motionKinds,
  motionOutcomes,
} from '../enums.js';
import { civilDate, noticeSufficient } from '../rules/calendar.js';
import { OwnersAssembly } from './owners-assembly.js';
import { ParametersRepository, parameterVersion, type MeetingRuleValue } from '../rules/parameters.js';
import { explain, meets, validThreshold } from '../rules/thresholds.js';

interface MeetingRow {
  id: string;
  kind: string;
  scope_node_id: string;
  committee_id: string | null;
  title: string;
  scheduled_for: Date;
  notice_published_at: Date;
  agenda: Array<{ title: string; consultationId?: string }>;
  status: string;
  base: string;
  base_count: number | null;
  rules: MeetingRuleValue & { parameterVersion: string };
  minutes: string;
  version: string;
}

interface MotionRow {
  id: string;
  meeting_id: string;
  title: string;
  kind: string;
  mandate: { type: string; name: string; size: number; termMonths: number; portfolios: string[] } | null;
  subject_ref: string;
  yes: number | null;
  no: number | null;
  abstain: number | null;
  outcome: string;
  decision_id: string | null;
  mandated_committee_id: string | null;
  explanation: string;
  owners_yes_area: string | null;
  owners_yes_count: number | null;
  affected_owner_ids: string[];
}

const CHOICES: Partial<Record<VoteChoice, 'yes' | 'no' | 'abstain'>> = {
  [VoteChoice.YES]: 'yes',
  [VoteChoice.NO]: 'no',
  [VoteChoice.ABSTAIN]: 'abstain',
};

const PARAMETER_OF_KIND: Record<string, string> = {
  courtyard: 'meeting.courtyard',
  residents: 'meeting.residents',
  villagers: 'meeting.villagers',
  owners_assembly: 'meeting.owners_assembly',
};
const BASE_OF_KIND: Record<string, string> = {
  courtyard: 'households',
  residents: 'households',
  villagers: 'adults',
  committee: 'members',
  owners_assembly: 'owners',
};

/** Motion kinds only an owners' assembly decides, and what only it may decide on. */
const OWNERS_KINDS = new Set(['owners_major_matter', 'use_conversion']);

/**
 * Meetings: notice periods (OW-12, VC-9), attendance by household representative, adult or member, quorum
 * (RC-5, VC-9, OW-11, CD-4), motions decided with integer thresholds, decisions published as events. A passed
 * MANDATE_COMMITTEE motion forms the committee in the same transaction.
 */
@Injectable()
export class MeetingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: GovernanceAccess,
    private readonly params: ParametersRepository,
    private readonly electorate: ElectorateRepository,
    private readonly committeesRepo: CommitteesRepository,
    private readonly committees: CommitteesService,
    private readonly relay: OutboxRelay,
    private readonly owners: OwnersAssembly,
  ) {}

  async convene(req: ConveneMeetingRequest, principal: Principal | undefined): Promise<Meeting> {
    const kind = meetingKinds.name(req.kind);
    const v: Array<{ field: string; description: string }> = [];
    if (!kind) v.push({ field: 'kind', description: 'must be a meeting kind' });
    if (!isUuid(req.scopeNodeId)) v.push({ field: 'scope_node_id', description: 'must be a UUID' });
    const title = req.title.trim();
    if (title.length < 1 || title.length > 200)
      v.push({ field: 'title', description: 'must be 1 to 200 characters' });
    if (!req.scheduledFor) v.push({ field: 'scheduled_for', description: 'is required' });
    if (req.agenda.length > 50 || req.agenda.some((a) => !a.title.trim() || a.title.length > 200))
      v.push({ field: 'agenda', description: 'at most 50 items of 1 to 200 characters' });
    if (req.agenda.some((a) => a.consultationId && !isUuid(a.consultationId)))
      v.push({ field: 'agenda.consultation_id', description: 'must be a UUID' });
    if (kind === 'committee' && !isUuid(req.committeeId))
      v.push({ field: 'committee_id', description: 'a committee meeting names its committee' });
    if (v.length) throw RpcError.invalidArgument(v);
    await this.access.require(principal, 'governance.write', req.scopeNodeId, 'node');
    const scheduledFor = timestampDate(req.scheduledFor!);
    const noticeAt = req.noticePublishedAt ? timestampDate(req.noticePublishedAt) : new Date();
    if (noticeAt.getTime() > Date.now() + 60_000) {
      throw RpcError.invalidArgument([
        { field: 'notice_published_at', description: 'must not be in the future' },
      ]);
    }
    let paramKey = PARAMETER_OF_KIND[kind!];
    if (kind === 'committee') {
      const c = await this.committeesRepo.find(req.committeeId);
      if (!c || c.scopeNodeId !== req.scopeNodeId) throw new NotFound('committee');
      paramKey = c.type === 'owners' ? 'meeting.committee.owners' : 'meeting.committee.default';
    }
    const p = await this.params.get<MeetingRuleValue>(paramKey, civilDate(scheduledFor));
    let rules = { ...p.value, parameterVersion: parameterVersion(p) };
    if (req.customRules) {
      if (rules.statutory) {
        throw GovernanceError.rule(
          'STATUTORY_RULES',
          'A statutory meeting applies the statutory thresholds.',
          'custom_rules',
        );
      }
      const c = req.customRules;
      if (!validThreshold(c.quorum) || !validThreshold(c.decision) || c.noticeDays < 0 || c.noticeDays > 60) {
        throw RpcError.invalidArgument([
          {
            field: 'custom_rules',
            description: 'thresholds need 0 < numerator <= denominator; notice 0 to 60 days',
          },
        ]);
      }
      rules = {
        quorum: { ...c.quorum!, rule: 'custom' },
        decision: { ...c.decision!, rule: 'custom' },
        decisionOfBase: c.decisionOfBase,
        noticeDays: c.noticeDays,
        statutory: false,
        parameterVersion: 'custom',
      };
    }
    if (!noticeSufficient(noticeAt, scheduledFor, rules.noticeDays)) {
      const rule =
        rules.noticeDays === 15
          ? 'OW-7'
          : rules.noticeDays === 10
            ? 'VC-9'
            : rules.noticeDays === 7
              ? 'OW-12'
              : 'notice';
      throw GovernanceError.rule(
        'NOTICE_PERIOD',
        `${rule}: notice at least ${rules.noticeDays} days before the meeting (the notice day not counted).`,
        'scheduled_for',
      );
    }
    const id = newId();
    await this.dataSource.query(
      `INSERT INTO meetings (id, kind, scope_node_id, committee_id, title, scheduled_for, notice_published_at, agenda,
                             base, rules, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        id,
        kind,
        req.scopeNodeId,
        kind === 'committee' ? req.committeeId : null,
        title,
        scheduledFor,
        noticeAt,
        JSON.stringify(
          req.agenda.map((a) => ({ title: a.title.trim(), consultationId: a.consultationId || undefined })),
        ),
        BASE_OF_KIND[kind!],
        JSON.stringify(rules),
        principal?.subject ?? null,
      ],
    );
    return this.current(id);
  }

  private async row(id: string, m: EntityManager = this.dataSource.manager, lock = false) {
    const rows: MeetingRow[] = await m.query(
      `SELECT * FROM meetings WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0];
  }

  async visible(
    id: string,
    principal: Principal | undefined,
    action: 'governance.read' | 'governance.write',
  ) {
    if (!isUuid(id)) throw RpcError.invalidArgument([{ field: 'meeting_id', description: 'must be a UUID' }]);
    const row = await this.row(id);
    if (!row || !(await this.access.may(principal, action, row.scope_node_id))) throw new NotFound('meeting');
    return row;
  }

  async get(id: string, principal: Principal | undefined): Promise<Meeting> {
    return this.toMeeting(await this.visible(id, principal, 'governance.read'));
  }

  /** The meeting after a command the caller was already allowed to make (no second scope check). */
  private async current(id: string): Promise<Meeting> {
    return this.toMeeting(await this.row(id));
  }

  async list(nodeId: string, limit: number, cursor: string, principal: Principal | undefined) {
    if (!isUuid(nodeId))
      throw RpcError.invalidArgument([{ field: 'node_id', description: 'must be a UUID' }]);
    if (cursor && !isUuid(cursor))
      throw RpcError.invalidArgument([{ field: 'cursor', description: 'must be a UUID' }]);
    await this.access.require(principal, 'governance.read', nodeId, 'node');
    const size = Math.min(Math.max(limit || 50, 1), 200);
    const rows: MeetingRow[] = await this.dataSource.query(
      `SELECT * FROM meetings WHERE scope_node_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [nodeId, cursor || null, size + 1],
    );
    const page = rows.slice(0, size);
    return {
      meetings: await Promise.all(page.map((r) => this.toMeeting(r))),
      nextCursor: rows.length > size ? page[page.length - 1].id : '',
    };
  }

  /** The size of the quorum base now: households or adults under the scope, or the committee's members. */
  private async baseCount(m: EntityManager, row: MeetingRow): Promise<number> {
    const day = civilDate(row.scheduled_for);
    if (row.base === 'households') return this.electorate.countHouseholds(m, row.scope_node_id);
    if (row.base === 'adults') return this.electorate.countAdults(m, row.scope_node_id, day);
    if (row.base === 'owners') return Number((await this.owners.participation(m, row.id)).total.owners);
    return (await this.committeesRepo.currentSeats([row.committee_id!], m)).length;
  }

  async open(id: string, principal: Principal | undefined): Promise<Meeting> {
    const row = await this.visible(id, principal, 'governance.write');
    await withTransaction(this.dataSource, async (m) => {
      const locked = await this.row(id, m, true);
      if (locked.status !== 'scheduled')
        throw GovernanceError.rule('MEETING_NOT_SCHEDULED', 'Only a scheduled meeting opens.');
      if (civilDate(new Date()) < civilDate(locked.scheduled_for)) {
        throw GovernanceError.rule('TOO_EARLY', 'A meeting opens on the day it was called for.');
      }
      const base =
        locked.base === 'owners'
          ? await this.owners.snapshotRoll(m, locked.id, locked.scope_node_id)
          : await this.baseCount(m, locked);
      await m.query(
        `UPDATE meetings SET status = 'open', base_count = $2, version = version + 1 WHERE id = $1`,
        [id, base],
      );
    });
    return this.current(row.id);
  }

  async attend(req: RecordAttendanceRequest, principal: Principal | undefined): Promise<Meeting> {
    const row = await this.visible(req.meetingId, principal, 'governance.write');
    if (row.status === 'closed') throw GovernanceError.rule('MEETING_CLOSED', 'The meeting is closed.');
    const m = this.dataSource.manager;
    let attendee: string;
    if (row.base === 'owners') {
      if (!isUuid(req.residentId))
        throw RpcError.invalidArgument([{ field: 'resident_id', description: 'must be a UUID' }]);
      if (row.status !== 'open')
        throw GovernanceError.rule(
          'MEETING_NOT_OPEN',
          'Owners take part once the assembly is open (its roll is fixed then).',
        );
      const key = await this.owners.voterOf(m, row.id, req.residentId);
      if (!key)
        throw GovernanceError.rule(
          'NOT_AN_OWNER',
          "The resident is not an owner on the assembly's roll (OW-1).",
          'resident_id',
        );
      attendee = key;
    } else if (row.base === 'households') {
      if (!isUuid(req.householdId))
        throw RpcError.invalidArgument([{ field: 'household_id', description: 'must be a UUID' }]);
      if (!(await this.electorate.householdUnder(m, req.householdId, row.scope_node_id))) {
        throw GovernanceError.rule(
          'NOT_IN_SCOPE',
          "The household does not live in the meeting's scope.",
          'household_id',
        );
      }
      if (req.residentId) {
        // Household-representative meetings: the representative attends for the household (no proxies).
        const rep = await this.electorate.representativeOf(m, req.householdId);
        if (rep !== req.residentId) {
          throw GovernanceError.rule(
            'NOT_THE_REPRESENTATIVE',
            "Only the household's representative attends for it.",
            'resident_id',
          );
        }
      }
      attendee = req.householdId;
    } else if (row.base === 'adults') {
      if (!isUuid(req.residentId))
        throw RpcError.invalidArgument([{ field: 'resident_id', description: 'must be a UUID' }]);
      if (
        !(await this.electorate.adultUnder(
          m,
          req.residentId,
          row.scope_node_id,
          civilDate(row.scheduled_for),
        ))
      ) {
        throw GovernanceError.rule(
          'NOT_IN_SCOPE',
          'The resident is not an adult resident of the scope.',
          'resident_id',
        );
      }
      attendee = req.residentId;
    } else {
      if (!isUuid(req.residentId))
        throw RpcError.invalidArgument([{ field: 'resident_id', description: 'must be a UUID' }]);
      const seats = await this.committeesRepo.currentSeats([row.committee_id!]);
      // OW-11: members attend in person (no proxies).
      if (!seats.some((s) => s.residentId === req.residentId)) {
        throw GovernanceError.rule('NOT_A_MEMBER', "Only the committee's members attend.", 'resident_id');
      }
      attendee = req.residentId;
    }
    await this.dataSource.query(
      `INSERT INTO meeting_attendance (meeting_id, attendee_id, recorded_by) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [row.id, attendee, principal?.subject ?? null],
    );
    return this.current(row.id);
  }

  async propose(req: ProposeMotionRequest, principal: Principal | undefined): Promise<Motion> {
    const kind = motionKinds.name(req.kind);
    const v: Array<{ field: string; description: string }> = [];
    if (!kind) v.push({ field: 'kind', description: 'must be a motion kind' });
    const title = req.title.trim();
    if (title.length < 1 || title.length > 200)
      v.push({ field: 'title', description: 'must be 1 to 200 characters' });
    if (kind === 'mandate_committee') v.push(...this.committees.validateMandate(req.mandate));
    if (kind === 'appoint_members' && !/^committee:[0-9a-f-]{36}$/.test(req.subjectRef))
      v.push({ field: 'subject_ref', description: 'must be committee:<id>' });
    if (kind === 'use_conversion' && !/^dwelling:[0-9a-f-]{36}$/.test(req.subjectRef))
      v.push({ field: 'subject_ref', description: 'must be dwelling:<id>' });
    if (req.alsoAffectedOwnerIds.length > 500 || req.alsoAffectedOwnerIds.some((o) => !isUuid(o)))
      v.push({ field: 'also_affected_owner_ids', description: 'up to 500 resident ids' });
    if (req.subjectRef.length > 200) v.push({ field: 'subject_ref', description: 'at most 200 characters' });
    if (v.length) throw RpcError.invalidArgument(v);
    const row = await this.visible(req.meetingId, principal, 'governance.write');
    if (row.status === 'closed') throw GovernanceError.rule('MEETING_CLOSED', 'The meeting is closed.');
    const owners = row.base === 'owners';
    if (
      OWNERS_KINDS.has(kind!) !== owners &&
      (OWNERS_KINDS.has(kind!) || kind === 'mandate_committee' || kind === 'appoint_members')
    ) {
      throw GovernanceError.rule(
        'MOTION_KIND_NOT_FOR_MEETING',
        owners
          ? "An owners' assembly decides owners' matters (general, major matters, conversions, projects)."
          : "Major matters and conversions are decided by an owners' assembly (Civil Code Art. 278).",
        'kind',
      );
    }
    let affected: string[] = [];
    if (kind === 'use_conversion') {
      if (row.status !== 'open')
        throw GovernanceError.rule(
          'MEETING_NOT_OPEN',
          'A conversion is proposed once the roll is fixed (assembly open).',
        );
      affected = await this.owners.affectedOwners(
        this.dataSource.manager,
        row.id,
        req.subjectRef.slice('dwelling:'.length),
        req.alsoAffectedOwnerIds,
      );
    }
    const id = newId();
    const mandate =
      kind === 'mandate_committee'
        ? {
            type: committeeTypes.name(req.mandate!.type),
            name: req.mandate!.name.trim(),
            size: req.mandate!.size,
            termMonths: req.mandate!.termMonths,
            portfolios: req.mandate!.portfolios,
          }
        : null;
    await this.dataSource.query(
      `INSERT INTO motions (id, meeting_id, title, kind, mandate, subject_ref, affected_owner_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, row.id, title, kind, mandate ? JSON.stringify(mandate) : null, req.subjectRef, affected],
    );
    return this.toMotion((await this.motions([row.id])).find((mo) => mo.id === id)!);
  }

  async decide(req: DecideMotionRequest, principal: Principal | undefined): Promise<Motion> {
    if (!isUuid(req.motionId))
      throw RpcError.invalidArgument([{ field: 'motion_id', description: 'must be a UUID' }]);
    if ([req.yes, req.no, req.abstain].some((n) => !Number.isInteger(n) || n < 0))
      throw RpcError.invalidArgument([{ field: 'yes', description: 'counts are whole numbers, 0 or more' }]);
    const found: Array<{ meeting_id: string }> = await this.dataSource.query(
      `SELECT meeting_id FROM motions WHERE id = $1`,
      [req.motionId],
    );
    if (!found[0]) throw new NotFound('motion');
    const meeting = await this.visible(found[0].meeting_id, principal, 'governance.write').catch(() => {
      throw new NotFound('motion');
    });
    await withTransaction(this.dataSource, async (m) => {
      const row = await this.row(meeting.id, m, true);
      const [motion] = (await m.query(`SELECT * FROM motions WHERE id = $1 FOR UPDATE`, [
        req.motionId,
      ])) as MotionRow[];
      if (row.status !== 'open')
        throw GovernanceError.rule('MEETING_NOT_OPEN', 'Motions are decided while the meeting is open.');
      if (motion.outcome !== 'pending')
        throw GovernanceError.rule('ALREADY_DECIDED', 'The motion was decided already.');
      const decisionId = newId();
      if (row.base === 'owners') {
        const d = await this.owners.decide(m, row.id, motion);
        await m.query(
          `UPDATE motions SET outcome = $2, decision_id = $3, explanation = $4, owners_yes_area = $5, owners_yes_count = $6,
                              decided_at = now() WHERE id = $1`,
          [
            motion.id,
            d.passed ? 'passed' : 'rejected',
            decisionId,
            d.explanation,
            d.yes.area.toString(),
            Number(d.yes.owners),
          ],
        );
        await this.decided(m, row, motion, decisionId, d.passed, null, principal);
        return;
      }
      const present = await this.presentCount(m, row.id);
      const base = row.base_count ?? 0;
      if (!meets(row.rules.quorum, present, base)) {
        throw GovernanceError.rule(
          'NOT_QUORATE',
          `The meeting is not quorate: ${explain(row.rules.quorum, present, base)}.`,
        );
      }
      if (req.yes + req.no + req.abstain > present) {
        throw RpcError.invalidArgument([
          { field: 'yes', description: `yes + no + abstain must not exceed the ${present} present` },
        ]);
      }
      // RC-5: abstentions and invalid votes count against: the measure is those present (or all members, OW-11).
      const of = row.rules.decisionOfBase ? base : present;
      const passed = meets(row.rules.decision, req.yes, of);
      let committeeId: string | null = null;
      if (passed && motion.kind === 'mandate_committee' && motion.mandate) {
        committeeId = await this.committees.formMandated(
          m,
          motion.mandate,
          row.scope_node_id,
          decisionId,
          civilDate(new Date()),
          principal,
        );
      }
      await m.query(
        `UPDATE motions SET yes = $2, no = $3, abstain = $4, outcome = $5, decision_id = $6, mandated_committee_id = $7,
                            explanation = $8, decided_at = now() WHERE id = $1`,
        [
          motion.id,
          req.yes,
          req.no,
          req.abstain,
          passed ? 'passed' : 'rejected',
          decisionId,
          committeeId,
          explain(row.rules.decision, req.yes, of),
        ],
      );
      await this.decided(m, row, motion, decisionId, passed, committeeId, principal);
    });
    this.relay.kick();
    return this.toMotion((await this.motions([meeting.id])).find((mo) => mo.id === req.motionId)!);
  }

  /** The decision as an event (and a new meeting version), in the deciding transaction. */
  private async decided(
    m: EntityManager,
    row: MeetingRow,
    motion: MotionRow,
    decisionId: string,
    passed: boolean,
    committeeId: string | null,
    principal: Principal | undefined,
  ): Promise<void> {
    await m.query(`UPDATE meetings SET version = version + 1 WHERE id = $1`, [row.id]);
    await appendToOutbox(
      m,
      DecisionMadeSchema,
      create(DecisionMadeSchema, {
        decisionId,
        meetingId: row.id,
        motionId: motion.id,
        scopeNodeId: row.scope_node_id,
        kind: motionKinds.value(motion.kind),
        passed,
        title: motion.title,
        subjectRef: motion.subject_ref,
        mandatedCommitteeId: committeeId ?? '',
        occurredAt: timestampNow(),
      }),
      { actorSubject: principal?.subject },
    );
  }

  /** Owners' signed votes on a motion of an owners' assembly (OW-9); a later vote replaces an earlier one. */
  async recordOwnerVotes(req: RecordOwnerVotesRequest, principal: Principal | undefined): Promise<Motion> {
    const v: Array<{ field: string; description: string }> = [];
    if (!isUuid(req.motionId)) v.push({ field: 'motion_id', description: 'must be a UUID' });
    if (req.votes.length < 1 || req.votes.length > 1000)
      v.push({ field: 'votes', description: '1 to 1000 votes' });
    req.votes.forEach((vote, i) => {
      if (!isUuid(vote.residentId))
        v.push({ field: `votes[${i}].resident_id`, description: 'must be a UUID' });
      if (!CHOICES[vote.choice])
        v.push({ field: `votes[${i}].choice`, description: 'must be yes, no or abstain' });
    });
    if (v.length) throw RpcError.invalidArgument(v);
    const found: Array<{ meeting_id: string }> = await this.dataSource.query(
      `SELECT meeting_id FROM motions WHERE id = $1`,
      [req.motionId],
    );
    if (!found[0]) throw new NotFound('motion');
    const meeting = await this.visible(found[0].meeting_id, principal, 'governance.write').catch(() => {
      throw new NotFound('motion');
    });
    if (meeting.base !== 'owners')
      throw GovernanceError.rule(
        'NOT_AN_OWNERS_ASSEMBLY',
        "Owners' votes are recorded at owners' assemblies.",
      );
    await withTransaction(this.dataSource, async (m) => {
      const row = await this.row(meeting.id, m, true);
      const [motion] = (await m.query(`SELECT outcome FROM motions WHERE id = $1 FOR UPDATE`, [
        req.motionId,
      ])) as MotionRow[];
      if (row.status !== 'open')
        throw GovernanceError.rule('MEETING_NOT_OPEN', 'Votes are recorded while the assembly is open.');
      if (motion.outcome !== 'pending')
        throw GovernanceError.rule('ALREADY_DECIDED', 'The motion was decided already.');
      await this.owners.recordVotes(
        m,
        row.id,
        req.motionId,
        req.votes.map((vote) => ({ residentId: vote.residentId, choice: CHOICES[vote.choice]! })),
        principal?.subject ?? null,
      );
    });
    return this.toMotion((await this.motions([meeting.id])).find((mo) => mo.id === req.motionId)!);
  }

  async close(id: string, minutes: string, principal: Principal | undefined): Promise<Meeting> {
    if (minutes.length > 20_000)
      throw RpcError.invalidArgument([{ field: 'minutes', description: 'at most 20000 characters' }]);
    const row = await this.visible(id, principal, 'governance.write');
    const rows = await queryRows(
      this.dataSource,
      `UPDATE meetings SET status = 'closed', minutes = $2, version = version + 1 WHERE id = $1 AND status = 'open' RETURNING id`,
      [row.id, minutes],
    );
    if (rows.length === 0) {
      throw GovernanceError.rule('MEETING_NOT_OPEN', 'Only an open meeting closes.');
    }
    return this.current(row.id);
  }

  private async presentCount(m: EntityManager, meetingId: string): Promise<number> {
    const rows: Array<{ n: string }> = await m.query(
      `SELECT count(*) AS n FROM meeting_attendance WHERE meeting_id = $1`,
      [meetingId],
    );
    return Number(rows[0].n);
  }

  /** Quorum state for other use cases (honours need a quorate monthly meeting). */
  async quorum(meetingId: string, m: EntityManager = this.dataSource.manager) {
    const row = await this.row(meetingId, m);
    return row ? this.quorumOf(row, m) : undefined;
  }

  private async quorumOf(row: MeetingRow, m: EntityManager = this.dataSource.manager) {
    const meetingId = row.id;
    const present = await this.presentCount(m, meetingId);
    if (row.base === 'owners') {
      const owners = await this.owners.participation(m, meetingId);
      return {
        row,
        present,
        base: Number(owners.total.owners),
        quorate: row.status !== 'scheduled' && owners.valid,
        owners,
      };
    }
    const base = row.base_count ?? (await this.baseCount(m, row));
    return {
      row,
      present,
      base,
      quorate: row.status !== 'scheduled' && meets(row.rules.quorum, present, base),
      owners: undefined,
    };
  }

  private async motions(meetingIds: string[]): Promise<MotionRow[]> {
    return this.dataSource.query(
      `SELECT * FROM motions WHERE meeting_id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [meetingIds],
    );
  }

  private toMotion(r: MotionRow): Motion {
    return create(MotionSchema, {
      id: r.id,
      meetingId: r.meeting_id,
      title: r.title,
      kind: motionKinds.value(r.kind),
      mandate: r.mandate
        ? {
            type: committeeTypes.value(r.mandate.type),
            name: r.mandate.name,
            size: r.mandate.size,
            termMonths: r.mandate.termMonths,
            portfolios: r.mandate.portfolios,
          }
        : undefined,
      subjectRef: r.subject_ref,
      yes: r.yes ?? 0,
      no: r.no ?? 0,
      abstain: r.abstain ?? 0,
      outcome: motionOutcomes.value(r.outcome),
      decisionId: r.decision_id ?? '',
      mandatedCommitteeId: r.mandated_committee_id ?? '',
      explanation: r.explanation,
      ownersYes:
        r.owners_yes_area !== null
          ? { areaCentiM2: BigInt(r.owners_yes_area), owners: BigInt(r.owners_yes_count ?? 0) }
          : undefined,
      affectedOwnerIds: r.affected_owner_ids,
    });
  }

  private async toMeeting(r: MeetingRow): Promise<Meeting> {
    const q = await this.quorumOf(r);
    return create(MeetingSchema, {
      id: r.id,
      kind: meetingKinds.value(r.kind),
      scopeNodeId: r.scope_node_id,
      committeeId: r.committee_id ?? '',
      title: r.title,
      scheduledFor: timestampFromDate(r.scheduled_for),
      noticePublishedAt: timestampFromDate(r.notice_published_at),
      agenda: r.agenda.map((a) => ({ title: a.title, consultationId: a.consultationId ?? '' })),
      status: meetingStatuses.value(r.status),
      base: attendanceBases.value(r.base),
      baseCount: q?.base ?? 0,
      presentCount: q?.present ?? 0,
      quorate: q?.quorate ?? false,
      rules: {
        quorum: r.rules.quorum,
        decision: r.rules.decision,
        decisionOfBase: !!r.rules.decisionOfBase,
        noticeDays: r.rules.noticeDays,
        statutory: r.rules.statutory,
        parameterVersion: r.rules.parameterVersion,
      },
      minutes: r.minutes,
      motions: (await this.motions([r.id])).map((mo) => this.toMotion(mo)),
      version: BigInt(r.version),
      owners: q?.owners
        ? {
            total: { areaCentiM2: q.owners.total.area, owners: q.owners.total.owners },
            participating: {
              areaCentiM2: q.owners.participating.area,
              owners: q.owners.participating.owners,
            },
            valid: q.owners.valid,
          }
        : undefined,
    });
  }
}
