import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate, timestampNow } from '@bufbuild/protobuf/wkt';
import {
  HonourAwardSchema,
  HonourAwardedSchema,
  HonourNominationSchema,
  HonourSchemeSchema,
  type AwardHonourRequest,
  type CreateHonourSchemeRequest,
  type HonourAward,
  type HonourNomination,
  type HonourScheme,
  type NominateForHonourRequest,
  type Principal,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, withTransaction } from '@linli/persistence';
import { DataSource } from 'typeorm';
import { GovernanceError } from '../errors.js';
import { GovernanceAccess, NotFound, type GovernanceAction } from '../access/governance-access.js';
import { displayName, type NameView } from '../committees/committees.service.js';
import { ElectorateRepository } from '../electorate/electorate.repository.js';
import { MeetingsService } from '../meetings/meetings.service.js';
import { PERIOD_PATTERN, previousPeriod } from '../rules/calendar.js';
import { explain } from '../rules/thresholds.js';
import {
  HonoursRepository,
  type AwardRecord,
  type HonourSchemeRecord,
  type HonoureeKind,
  type NominationRecord,
  type RollCursor,
} from './honours.repository.js';

type Violations = Array<{ field: string; description: string }>;

const HONOUREE_KINDS = new Set<HonoureeKind>(['household', 'resident']);
/** Nominations come from a building or a compound (DOMAIN.md: monthly honours per building or compound). */
const NOMINATING_UNIT_KINDS = new Set(['building', 'compound']);
const length = (s: string) => [...s].length;

function encodeCursor(a: AwardRecord): string {
  return Buffer.from(JSON.stringify([a.awardedAtKey, a.schemeId, a.period])).toString('base64url');
}

const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

function decodeCursor(cursor: string): RollCursor | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'string')) return undefined;
    const [awardedAt, schemeId, period] = v as string[];
    if (!TIMESTAMP_KEY.test(awardedAt) || !isUuid(schemeId) || !PERIOD_PATTERN.test(period)) return undefined;
    return { awardedAt, schemeId, period };
  } catch {
    return undefined;
  }
}

/**
 * Recurring honours ("最美家庭", "优秀共治卫士"): a scheme over a scope; nominations per period (YYYY-MM) from the
 * buildings and compounds of the scope, a few per unit; the award by plurality at a quorate meeting of the scope
 * (RC-5 quorum through the meeting's rules); last period's winner excluded if the scheme says so. The public
 * honour roll shows names masked (surname + *) unless the person consented to publication (PI-3), and never a
 * household or resident id.
 */
@Injectable()
export class HonoursService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly honours: HonoursRepository,
    private readonly electorate: ElectorateRepository,
    private readonly meetings: MeetingsService,
    private readonly access: GovernanceAccess,
    private readonly relay: OutboxRelay,
  ) {}

  async createScheme(
    req: CreateHonourSchemeRequest,
    principal: Principal | undefined,
  ): Promise<HonourScheme> {
    const v: Violations = [];
    if (!isUuid(req.scopeNodeId)) v.push({ field: 'scope_node_id', description: 'must be a UUID' });
    const title = req.title.trim();
    if (length(title) < 1 || length(title) > 100)
      v.push({ field: 'title', description: 'must be 1 to 100 characters' });
    if (!HONOUREE_KINDS.has(req.honouree as HonoureeKind))
      v.push({ field: 'honouree', description: 'must be household or resident' });
    const perUnit = req.nominationsPerUnit || 1;
    if (!Number.isInteger(perUnit) || perUnit < 1 || perUnit > 20)
      v.push({ field: 'nominations_per_unit', description: 'must be 1 to 20' });
    if (v.length) throw RpcError.invalidArgument(v);
    await this.access.require(principal, 'governance.write', req.scopeNodeId, 'node');
    // The scope's place in the tree (for the honour roll of any node above it) comes from org's events.
    const unit = await this.honours.unit(req.scopeNodeId);
    if (!unit) throw new NotFound('node');
    const record: HonourSchemeRecord = {
      id: newId(),
      scopeNodeId: unit.id,
      scopePath: [...unit.ancestorIds, unit.id],
      title,
      honouree: req.honouree as HonoureeKind,
      excludePreviousWinner: req.excludePreviousWinner,
      nominationsPerUnit: perUnit,
    };
    await withTransaction(this.dataSource, (m) =>
      this.honours.insertScheme(m, record, principal?.subject ?? null),
    );
    return this.toScheme(record);
  }

  private async visibleScheme(id: string, principal: Principal | undefined, action: GovernanceAction) {
    if (!isUuid(id)) throw RpcError.invalidArgument([{ field: 'scheme_id', description: 'must be a UUID' }]);
    const s = await this.honours.findScheme(id);
    if (!s || !(await this.access.may(principal, action, s.scopeNodeId))) throw new NotFound('honour_scheme');
    return s;
  }

  async nominate(req: NominateForHonourRequest, principal: Principal | undefined): Promise<HonourNomination> {
    const v: Violations = [];
    if (!isUuid(req.schemeId)) v.push({ field: 'scheme_id', description: 'must be a UUID' });
    if (!PERIOD_PATTERN.test(req.period))
      v.push({ field: 'period', description: 'must be a month (YYYY-MM)' });
    if (!isUuid(req.unitNodeId)) v.push({ field: 'unit_node_id', description: 'must be a UUID' });
    if (req.householdId && !isUuid(req.householdId))
      v.push({ field: 'household_id', description: 'must be a UUID' });
    if (req.residentId && !isUuid(req.residentId))
      v.push({ field: 'resident_id', description: 'must be a UUID' });
    const name = req.displayName.trim();
    if (length(name) < 1 || length(name) > 50)
      v.push({ field: 'display_name', description: 'must be 1 to 50 characters' });
    if (v.length) throw RpcError.invalidArgument(v);
    const s = await this.honours.findScheme(req.schemeId);
    if (!s) throw new NotFound('honour_scheme');

    const unit = await this.honours.unit(req.unitNodeId);
    const underScope = !!unit && (unit.id === s.scopeNodeId || unit.ancestorIds.includes(s.scopeNodeId));
    if (!underScope || !NOMINATING_UNIT_KINDS.has(unit.kind)) {
      // Only someone who may see the scheme learns why the unit does not fit it.
      if (!(await this.access.may(principal, 'governance.write', s.scopeNodeId)))
        throw new NotFound('honour_scheme');
      throw underScope
        ? GovernanceError.rule(
            'UNIT_NOT_BUILDING_OR_COMPOUND',
            'Nominations come from a building or a compound.',
            'unit_node_id',
          )
        : GovernanceError.rule(
            'UNIT_NOT_IN_SCOPE',
            "The unit is not in the honour scheme's scope.",
            'unit_node_id',
          );
    }
    // The unit's own operators (a building leader) nominate; a grant on the scheme's scope covers every unit.
    if (!(await this.access.may(principal, 'governance.write', unit.id))) throw new NotFound('honour_scheme');
    // Only now, to a caller who may see the scheme: what kind of honouree it names.
    if (s.honouree === 'household' && !req.householdId)
      throw RpcError.invalidArgument([
        { field: 'household_id', description: 'a household honour names the household' },
      ]);
    if (s.honouree === 'resident' && !req.residentId)
      throw RpcError.invalidArgument([
        { field: 'resident_id', description: 'a resident honour names the resident' },
      ]);

    const id = newId();
    try {
      await withTransaction(this.dataSource, async (m) => {
        // One nomination at a time per scheme: the per-unit count and the eligibility are read under the lock.
        await this.honours.findScheme(s.id, m, true);
        if (await this.honours.award(s.id, req.period, m)) {
          throw GovernanceError.rule(
            'PERIOD_ALREADY_AWARDED',
            `The honour for ${req.period} was awarded already.`,
            'period',
          );
        }
        let householdId: string;
        let residentId: string | null = null;
        if (s.honouree === 'household') {
          if (!(await this.electorate.householdUnder(m, req.householdId, unit.id))) {
            throw GovernanceError.rule(
              'HONOUREE_NOT_IN_UNIT',
              'The household does not live in the unit.',
              'household_id',
            );
          }
          householdId = req.householdId;
        } else {
          const home = (await this.electorate.residentUnder(m, req.residentId, unit.id))
            ? await this.honours.householdOf(m, req.residentId)
            : undefined;
          if (!home)
            throw GovernanceError.rule(
              'HONOUREE_NOT_IN_UNIT',
              'The resident does not live in the unit.',
              'resident_id',
            );
          householdId = home;
          residentId = req.residentId;
        }
        const honoureeId = residentId ?? householdId;
        if (s.excludePreviousWinner) {
          const previous = await this.honours.award(s.id, previousPeriod(req.period), m);
          if (previous?.honoureeId === honoureeId) {
            throw GovernanceError.rule(
              'PREVIOUS_WINNER',
              `Last period's winner (${previous.period}) may not be nominated for ${req.period} in this scheme.`,
              s.honouree === 'household' ? 'household_id' : 'resident_id',
            );
          }
        }
        const fromUnit = await this.honours.countFromUnit(m, s.id, req.period, unit.id);
        if (fromUnit >= s.nominationsPerUnit) {
          throw GovernanceError.rule(
            'UNIT_NOMINATIONS_FULL',
            `A unit nominates at most ${s.nominationsPerUnit} per period in this scheme.`,
            'unit_node_id',
          );
        }
        await this.honours.insertNomination(
          m,
          {
            id,
            schemeId: s.id,
            period: req.period,
            unitNodeId: unit.id,
            honoureeId,
            householdId,
            residentId,
            displayName: name,
            publicNameConsent: req.publicNameConsent,
          },
          principal?.subject ?? null,
        );
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw GovernanceError.exists(
          'ALREADY_NOMINATED',
          `Already nominated for ${req.period} in this scheme.`,
        );
      }
      throw e;
    }
    return this.toNomination((await this.honours.findNomination(id))!, 'operator');
  }

  async nominations(
    schemeId: string,
    period: string,
    principal: Principal | undefined,
  ): Promise<HonourNomination[]> {
    if (!PERIOD_PATTERN.test(period))
      throw RpcError.invalidArgument([{ field: 'period', description: 'must be a month (YYYY-MM)' }]);
    const s = await this.visibleScheme(schemeId, principal, 'governance.read');
    return (await this.honours.nominations(s.id, period)).map((n) => this.toNomination(n, 'operator'));
  }

  /** The meeting's vote: plurality wins; a tie at the top awards nothing (re-vote); one award per period. */
  async award(
    req: AwardHonourRequest,
    principal: Principal | undefined,
  ): Promise<{ award?: HonourAward; tie: boolean }> {
    const v: Violations = [];
    if (!PERIOD_PATTERN.test(req.period))
      v.push({ field: 'period', description: 'must be a month (YYYY-MM)' });
    if (!isUuid(req.meetingId)) v.push({ field: 'meeting_id', description: 'must be a UUID' });
    if (req.votes.some((x) => !isUuid(x.nominationId)))
      v.push({ field: 'votes.nomination_id', description: 'must be a UUID' });
    if (req.votes.some((x) => !Number.isInteger(x.votes) || x.votes < 0))
      v.push({ field: 'votes.votes', description: 'must be a whole number, 0 or more' });
    if (new Set(req.votes.map((x) => x.nominationId)).size !== req.votes.length)
      v.push({ field: 'votes', description: 'names each nomination at most once' });
    if (v.length) throw RpcError.invalidArgument(v);
    const s = await this.visibleScheme(req.schemeId, principal, 'governance.write');
    const meeting = await this.meetings.quorum(req.meetingId);
    if (!meeting) throw new NotFound('meeting');
    if (!(await this.inSubtree(meeting.row.scope_node_id, s.scopeNodeId))) {
      if (!(await this.access.may(principal, 'governance.read', meeting.row.scope_node_id)))
        throw new NotFound('meeting');
      throw GovernanceError.rule(
        'MEETING_NOT_IN_SCOPE',
        "The honour is voted at a meeting of the scheme's scope or of a unit below it.",
        'meeting_id',
      );
    }

    let result: { award?: AwardRecord; tie: boolean };
    try {
      result = await withTransaction(this.dataSource, async (m) => {
        await this.honours.findScheme(s.id, m, true);
        if (await this.honours.award(s.id, req.period, m)) {
          throw GovernanceError.exists(
            'ALREADY_AWARDED',
            `The honour for ${req.period} was awarded already.`,
            'period',
          );
        }
        const q = (await this.meetings.quorum(req.meetingId, m))!;
        if (q.row.status !== 'open') {
          throw GovernanceError.rule(
            'MEETING_NOT_OPEN',
            'The honour is voted while the meeting is open.',
            'meeting_id',
          );
        }
        if (!q.quorate) {
          throw GovernanceError.rule(
            'NOT_QUORATE',
            `The meeting is not quorate: ${explain(q.row.rules.quorum, q.present, q.base)}.`,
            'meeting_id',
          );
        }
        const nominations = await this.honours.nominations(s.id, req.period, m);
        if (nominations.length === 0) {
          throw GovernanceError.rule('NO_NOMINATIONS', `Nobody is nominated for ${req.period}.`, 'period');
        }
        const byId = new Map(nominations.map((n) => [n.id, n]));
        if (req.votes.some((x) => !byId.has(x.nominationId))) {
          throw RpcError.invalidArgument([
            {
              field: 'votes.nomination_id',
              description: `must be a nomination of this scheme for ${req.period}`,
            },
          ]);
        }
        const total = req.votes.reduce((sum, x) => sum + x.votes, 0);
        if (total > q.present) {
          throw RpcError.invalidArgument([
            { field: 'votes', description: `the votes must not exceed the ${q.present} present` },
          ]);
        }
        if (s.excludePreviousWinner) {
          const previous = await this.honours.award(s.id, previousPeriod(req.period), m);
          const ineligible = req.votes.find(
            (x) => x.votes > 0 && byId.get(x.nominationId)!.honoureeId === previous?.honoureeId,
          );
          if (ineligible) {
            throw GovernanceError.rule(
              'PREVIOUS_WINNER',
              `Last period's winner (${previous!.period}) may not win ${req.period} in this scheme.`,
              'votes',
            );
          }
        }
        const votes = new Map(req.votes.map((x) => [x.nominationId, x.votes]));
        await this.honours.recordVotes(m, s.id, req.period, votes);
        const top = Math.max(0, ...votes.values());
        if (top === 0) throw GovernanceError.rule('NO_VOTES', 'No nomination received a vote.', 'votes');
        const leaders = [...votes].filter(([, n]) => n === top);
        if (leaders.length > 1) return { tie: true };
        const winner = byId.get(leaders[0][0])!;
        await this.honours.insertAward(m, {
          schemeId: s.id,
          period: req.period,
          nominationId: winner.id,
          honoureeId: winner.honoureeId,
          meetingId: q.row.id,
          votes: top,
        });
        await appendToOutbox(
          m,
          HonourAwardedSchema,
          create(HonourAwardedSchema, {
            schemeId: s.id,
            scopeNodeId: s.scopeNodeId,
            period: req.period,
            nominationId: winner.id,
            // An event is a publication: the name as the public may see it (PI-3).
            displayName: displayName(winner.displayName, winner.publicNameConsent, 'public'),
            occurredAt: timestampNow(),
          }),
          { actorSubject: principal?.subject },
        );
        return { award: await this.honours.award(s.id, req.period, m), tie: false };
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw GovernanceError.exists(
          'ALREADY_AWARDED',
          `The honour for ${req.period} was awarded already.`,
          'period',
        );
      }
      throw e;
    }
    if (result.award) this.relay.kick();
    return { award: result.award && this.toAward(result.award, 'operator'), tie: result.tie };
  }

  /** The public honour roll of a node: awards of schemes at the node or below it, newest first. */
  async roll(
    nodeId: string,
    limit: number,
    cursor: string,
  ): Promise<{ awards: HonourAward[]; nextCursor: string }> {
    const v: Violations = [];
    if (!isUuid(nodeId)) v.push({ field: 'scope_node_id', description: 'must be a UUID' });
    const after = cursor ? decodeCursor(cursor) : undefined;
    if (cursor && !after) v.push({ field: 'cursor', description: 'is not a cursor of this list' });
    if (v.length) throw RpcError.invalidArgument(v);
    // Any node: one above every scheme (a street) shows them all; an unknown one shows nothing.
    const size = Math.min(Math.max(limit || 50, 1), 200);
    const rows = await this.honours.roll(nodeId, size + 1, after);
    const page = rows.slice(0, size);
    return {
      awards: page.map((a) => this.toAward(a, 'public')),
      nextCursor: rows.length > size ? encodeCursor(page[page.length - 1]) : '',
    };
  }

  /** The meeting's scope is the scheme's scope or below it (org's tree as projected). */
  private async inSubtree(nodeId: string, scopeNodeId: string): Promise<boolean> {
    if (nodeId === scopeNodeId) return true;
    return !!(await this.honours.unit(nodeId))?.ancestorIds.includes(scopeNodeId);
  }

  private toScheme(s: HonourSchemeRecord): HonourScheme {
    return create(HonourSchemeSchema, {
      id: s.id,
      scopeNodeId: s.scopeNodeId,
      title: s.title,
      honouree: s.honouree,
      excludePreviousWinner: s.excludePreviousWinner,
      nominationsPerUnit: s.nominationsPerUnit,
    });
  }

  private toNomination(n: NominationRecord, view: NameView): HonourNomination {
    return create(HonourNominationSchema, {
      id: n.id,
      schemeId: n.schemeId,
      period: n.period,
      unitNodeId: n.unitNodeId,
      householdId: view === 'operator' ? (n.householdId ?? '') : '',
      residentId: view === 'operator' ? (n.residentId ?? '') : '',
      displayName: displayName(n.displayName, n.publicNameConsent, view),
      votes: n.votes ?? 0,
      awarded: n.awarded,
    });
  }

  /** Never a household or resident id: the roll is public (PI-3). */
  private toAward(a: AwardRecord, view: NameView): HonourAward {
    return create(HonourAwardSchema, {
      schemeId: a.schemeId,
      schemeTitle: a.schemeTitle,
      period: a.period,
      nominationId: a.nominationId,
      displayName: displayName(a.displayName, a.publicNameConsent, view),
      meetingId: a.meetingId,
      votes: a.votes,
      awardedAt: timestampFromDate(a.awardedAt),
    });
  }
}
