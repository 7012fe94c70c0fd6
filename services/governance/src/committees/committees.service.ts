import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate, timestampNow } from '@bufbuild/protobuf/wkt';
import {
  CommitteeFormedSchema,
  CommitteeSchema,
  CommitteeSeatChangedSchema,
  SeatSchema,
  type AppointSeatRequest,
  type AssignPortfolioRequest,
  type Committee,
  type CreateCommitteeRequest,
  type EndSeatRequest,
  type Principal,
  type Seat,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, sqlState, withTransaction } from '@linli/persistence';
import { maskName } from '@linli/privacy';
import { DataSource, type EntityManager } from 'typeorm';
import { GovernanceError } from '../errors.js';
import { GovernanceAccess, NotFound } from '../access/governance-access.js';
import { ElectorateRepository } from '../electorate/electorate.repository.js';
import { committeeTypes, seatPositions } from '../enums.js';
import { addMonths, civilDate, isDate } from '../rules/calendar.js';
import { ParametersRepository, type SizeRuleValue } from '../rules/parameters.js';
import {
  MANDATED_TYPES,
  PORTFOLIO_PATTERN,
  SIZE_PARAMETER,
  SIZE_RULE_ID,
  sizeViolation,
  womenRuleViolated,
  type CommitteeTypeName,
} from './committee-rules.js';
import {
  CommitteesRepository,
  findDecision,
  type CommitteeRecord,
  type SeatRecord,
} from './committees.repository.js';

const today = () => civilDate(new Date());

/** How names appear: operators of the scope see them; the public sees them masked unless consented (PI-3). */
export type NameView = 'operator' | 'public';

export function displayName(name: string, consent: boolean, view: NameView): string {
  return view === 'operator' || consent ? name : maskName(name, 'surname-only');
}

export interface ElectedSeat {
  residentId: string;
  displayName: string;
  publicNameConsent: boolean;
}

/**
 * Committees: statutory bodies (RC-1, VC-1, OW-10 sizes; RC-2 terms) and mandated committees formed by a meeting
 * decision; seats with positions and portfolios; vacancies, resignations and by-elections; roster history
 * (seats are dated and never deleted).
 */
@Injectable()
export class CommitteesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly committees: CommitteesRepository,
    private readonly electorate: ElectorateRepository,
    private readonly params: ParametersRepository,
    private readonly access: GovernanceAccess,
    private readonly relay: OutboxRelay,
  ) {}

  async create(req: CreateCommitteeRequest, principal: Principal | undefined): Promise<Committee> {
    const type = committeeTypes.name(req.type) as CommitteeTypeName | undefined;
    const violations: Array<{ field: string; description: string }> = [];
    if (!type) violations.push({ field: 'type', description: 'must be a committee type' });
    if (!isUuid(req.scopeNodeId)) violations.push({ field: 'scope_node_id', description: 'must be a UUID' });
    const name = req.name.trim();
    if (name.length < 1 || name.length > 100)
      violations.push({ field: 'name', description: 'must be 1 to 100 characters' });
    const termStart = req.termStart || today();
    if (!isDate(termStart))
      violations.push({ field: 'term_start', description: 'must be a date (YYYY-MM-DD)' });
    if (req.termEnd && !isDate(req.termEnd))
      violations.push({ field: 'term_end', description: 'must be a date (YYYY-MM-DD)' });
    violations.push(...this.portfolioViolations(req.portfolios));
    if (req.womenRequired < 0 || req.womenRequired > req.size)
      violations.push({ field: 'women_required', description: 'must be between 0 and the size' });
    if (violations.length) throw RpcError.invalidArgument(violations);
    if (MANDATED_TYPES.has(type!)) {
      throw GovernanceError.rule(
        'MANDATE_REQUIRED',
        'A co-building or co-governance committee is formed by the meeting decision that mandates it.',
        'type',
      );
    }
    await this.access.require(principal, 'governance.write', req.scopeNodeId, 'node');
    const sizeRule = await this.sizeRule(type!, termStart);
    const bad = sizeViolation(req.size, sizeRule);
    if (bad) {
      throw GovernanceError.rule(
        `COMMITTEE_SIZE`,
        `${SIZE_RULE_ID[type!] ?? 'size'}: a ${type} committee ${bad}.`,
        'size',
      );
    }
    const years = (await this.params.get<Record<string, number>>('committee.term_years', termStart)).value;
    const maxEnd = addMonths(termStart, 12 * (years[type!] ?? years.default));
    const termEnd = req.termEnd || maxEnd;
    if (termEnd <= termStart || termEnd > maxEnd) {
      throw GovernanceError.rule(
        'COMMITTEE_TERM',
        `The term ends after ${termStart} and by ${maxEnd} (RC-2, OW-10).`,
        'term_end',
      );
    }
    const record = {
      id: newId(),
      type: type!,
      scopeNodeId: req.scopeNodeId,
      name,
      size: req.size,
      termStart,
      termEnd,
      mandateDecisionId: null,
      portfolios: req.portfolios,
      womenRequired:
        type === 'village' ? Math.max(req.womenRequired, sizeRule?.womenMin ?? 0) : req.womenRequired,
    };
    await withTransaction(this.dataSource, async (m) => {
      await this.committees.insert(m, record, principal?.subject ?? null);
      await this.formed(m, record, principal);
    });
    this.relay.kick();
    return this.current(record.id);
  }

  /** Forms the committee a passed MANDATE_COMMITTEE motion names, inside the decision's transaction. */
  async formMandated(
    m: EntityManager,
    mandate: { type: string; name: string; size: number; termMonths: number; portfolios: string[] },
    scopeNodeId: string,
    decisionId: string,
    on: string,
    principal: Principal | undefined,
  ): Promise<string> {
    const record = {
      id: newId(),
      type: mandate.type,
      scopeNodeId,
      name: mandate.name,
      size: mandate.size,
      termStart: on,
      termEnd: addMonths(on, mandate.termMonths),
      mandateDecisionId: decisionId,
      portfolios: mandate.portfolios,
      womenRequired: 0,
    };
    await this.committees.insert(m, record, principal?.subject ?? null);
    await this.formed(m, record, principal);
    return record.id;
  }

  private async formed(
    m: EntityManager,
    c: Omit<CommitteeRecord, 'version' | 'createdAt'>,
    principal?: Principal,
  ) {
    await appendToOutbox(
      m,
      CommitteeFormedSchema,
      create(CommitteeFormedSchema, {
        committeeId: c.id,
        type: committeeTypes.value(c.type),
        scopeNodeId: c.scopeNodeId,
        name: c.name,
        size: c.size,
        mandateDecisionId: c.mandateDecisionId ?? '',
        occurredAt: timestampNow(),
      }),
      { actorSubject: principal?.subject },
    );
  }

  validateMandate(
    mandate:
      { type: number; name: string; size: number; termMonths: number; portfolios: string[] } | undefined,
  ) {
    const v: Array<{ field: string; description: string }> = [];
    const type = mandate && committeeTypes.name(mandate.type);
    if (!mandate || !type || !MANDATED_TYPES.has(type as CommitteeTypeName))
      v.push({ field: 'mandate.type', description: 'must be co_building or co_governance' });
    if (!mandate?.name.trim() || mandate.name.trim().length > 100)
      v.push({ field: 'mandate.name', description: 'must be 1 to 100 characters' });
    if (!mandate || mandate.size < 1 || mandate.size > 99)
      v.push({ field: 'mandate.size', description: 'must be 1 to 99' });
    if (!mandate || mandate.termMonths < 1 || mandate.termMonths > 60)
      v.push({ field: 'mandate.term_months', description: 'must be 1 to 60' });
    v.push(...this.portfolioViolations(mandate?.portfolios ?? [], 'mandate.portfolios'));
    return v;
  }

  private portfolioViolations(portfolios: string[], field = 'portfolios') {
    const v: Array<{ field: string; description: string }> = [];
    if (portfolios.length > 40 || portfolios.some((p) => !PORTFOLIO_PATTERN.test(p)))
      v.push({ field, description: 'at most 40 keys of lower-case letters, digits and _' });
    else if (new Set(portfolios).size !== portfolios.length)
      v.push({ field, description: 'must not repeat' });
    return v;
  }

  private async sizeRule(type: CommitteeTypeName, on: string): Promise<SizeRuleValue | undefined> {
    const key = SIZE_PARAMETER[type];
    return key ? (await this.params.get<SizeRuleValue>(key, on)).value : undefined;
  }

  private async visible(
    id: string,
    principal: Principal | undefined,
    action: 'governance.read' | 'governance.write',
  ) {
    if (!isUuid(id))
      throw RpcError.invalidArgument([{ field: 'committee_id', description: 'must be a UUID' }]);
    const c = await this.committees.find(id);
    if (!c || !(await this.access.may(principal, action, c.scopeNodeId))) throw new NotFound('committee');
    return c;
  }

  async get(id: string, principal: Principal | undefined): Promise<Committee> {
    const c = await this.visible(id, principal, 'governance.read');
    return this.toCommittee(c, await this.committees.currentSeats([c.id]));
  }

  /** The committee after a command the caller was already allowed to make (no second scope check). */
  private async current(id: string): Promise<Committee> {
    const c = (await this.committees.find(id))!;
    return this.toCommittee(c, await this.committees.currentSeats([c.id]));
  }

  async list(nodeId: string, limit: number, cursor: string, principal: Principal | undefined) {
    if (!isUuid(nodeId))
      throw RpcError.invalidArgument([{ field: 'node_id', description: 'must be a UUID' }]);
    if (cursor && !isUuid(cursor))
      throw RpcError.invalidArgument([{ field: 'cursor', description: 'must be a UUID' }]);
    await this.access.require(principal, 'governance.read', nodeId, 'node');
    const size = Math.min(Math.max(limit || 50, 1), 200);
    const list = await this.committees.listByScope(nodeId, size + 1, cursor || undefined);
    const page = list.slice(0, size);
    const seats = await this.committees.currentSeats(page.map((c) => c.id));
    return {
      committees: page.map((c) =>
        this.toCommittee(
          c,
          seats.filter((s) => s.committeeId === c.id),
        ),
      ),
      nextCursor: list.length > size ? page[page.length - 1].id : '',
    };
  }

  async appoint(req: AppointSeatRequest, principal: Principal | undefined): Promise<Committee> {
    const position = seatPositions.name(req.position);
    const v: Array<{ field: string; description: string }> = [];
    if (!isUuid(req.residentId)) v.push({ field: 'resident_id', description: 'must be a UUID' });
    if (!isUuid(req.decisionId)) v.push({ field: 'decision_id', description: 'must be a UUID' });
    if (!position) v.push({ field: 'position', description: 'must be chair, vice_chair or member' });
    const name = req.displayName.trim();
    if (name.length < 1 || name.length > 50)
      v.push({ field: 'display_name', description: 'must be 1 to 50 characters' });
    if (req.validFrom && !isDate(req.validFrom))
      v.push({ field: 'valid_from', description: 'must be a date' });
    if (v.length) throw RpcError.invalidArgument(v);
    const c = await this.visible(req.committeeId, principal, 'governance.write');
    if (req.portfolio && !c.portfolios.includes(req.portfolio)) {
      throw GovernanceError.rule(
        'UNKNOWN_PORTFOLIO',
        `The committee has no portfolio "${req.portfolio}".`,
        'portfolio',
      );
    }
    const from = req.validFrom || today();
    await this.inTransaction(async (m) => {
      const decision = await findDecision(m, req.decisionId);
      const authorises =
        decision?.passed &&
        (decision.mandatedCommitteeId === c.id ||
          (decision.kind === 'appoint_members' && decision.subjectRef === `committee:${c.id}`));
      if (!authorises) {
        throw GovernanceError.rule(
          'DECISION_DOES_NOT_APPOINT',
          'Seats are filled by a certified election or by a passed decision that mandates or appoints to this committee.',
          'decision_id',
        );
      }
      if (!(await this.electorate.residentUnder(m, req.residentId, c.scopeNodeId))) {
        throw GovernanceError.rule(
          'NOT_A_RESIDENT_OF_SCOPE',
          "Members are residents of the committee's scope.",
          'resident_id',
        );
      }
      await this.fill(
        m,
        c,
        [
          {
            residentId: req.residentId,
            displayName: name,
            publicNameConsent: req.publicNameConsent,
            woman: req.woman,
            position: position!,
            portfolio: req.portfolio,
          },
        ],
        `decision:${req.decisionId}`,
        from,
        principal,
      );
    });
    return this.current(c.id);
  }

  /** Fills seats (by certified election or decision) within the committee's size and term, inside `m`. */
  async fill(
    m: EntityManager,
    c: CommitteeRecord,
    seats: Array<ElectedSeat & { woman?: boolean; position?: string; portfolio?: string }>,
    source: string,
    from: string,
    principal: Principal | undefined,
  ): Promise<void> {
    await this.committees.find(c.id, m, true);
    const held = await this.committees.currentSeats([c.id], m);
    if (held.length + seats.length > c.size) {
      throw GovernanceError.rule('NO_VACANCY', `The committee has ${c.size - held.length} vacancies.`);
    }
    if (from < c.termStart || from >= c.termEnd) {
      throw GovernanceError.rule(
        'OUTSIDE_TERM',
        "Seats are filled within the committee's term (VC-8).",
        'valid_from',
      );
    }
    const taken = [...held];
    for (const s of seats) {
      if (c.type === 'village' && womenRuleViolated(taken, { woman: !!s.woman }, c.size, c.womenRequired)) {
        throw GovernanceError.rule(
          'WOMEN_SEAT_REQUIRED',
          'VC-1: a village committee includes at least one woman.',
        );
      }
      const seat = {
        id: newId(),
        committeeId: c.id,
        residentId: s.residentId,
        displayName: s.displayName,
        publicNameConsent: s.publicNameConsent,
        woman: !!s.woman,
        position: s.position ?? 'member',
        portfolio: s.portfolio ?? '',
        validFrom: from,
        source,
      };
      await this.committees.insertSeat(m, seat);
      taken.push({ ...seat, validTo: null, endReason: null });
      await this.seatChanged(m, seat, 'filled', principal);
    }
    await this.committees.bump(m, c.id);
  }

  async assignPortfolio(req: AssignPortfolioRequest, principal: Principal | undefined): Promise<Committee> {
    if (!isUuid(req.seatId))
      throw RpcError.invalidArgument([{ field: 'seat_id', description: 'must be a UUID' }]);
    const c = await this.visible(req.committeeId, principal, 'governance.write');
    if (req.portfolio && !c.portfolios.includes(req.portfolio)) {
      throw GovernanceError.rule(
        'UNKNOWN_PORTFOLIO',
        `The committee has no portfolio "${req.portfolio}".`,
        'portfolio',
      );
    }
    await this.inTransaction(async (m) => {
      const seat = (await this.committees.currentSeats([c.id], m)).find((s) => s.id === req.seatId);
      if (!seat) throw new NotFound('seat');
      await this.committees.setPortfolio(m, seat.id, req.portfolio);
      await this.committees.bump(m, c.id);
      await this.seatChanged(m, { ...seat, portfolio: req.portfolio }, 'portfolio_assigned', principal);
    });
    return this.current(c.id);
  }

  async endSeat(req: EndSeatRequest, principal: Principal | undefined): Promise<Committee> {
    const v: Array<{ field: string; description: string }> = [];
    if (!isUuid(req.seatId)) v.push({ field: 'seat_id', description: 'must be a UUID' });
    if (!['resigned', 'removed'].includes(req.reason))
      v.push({ field: 'reason', description: 'must be resigned or removed' });
    if (req.effectiveOn && !isDate(req.effectiveOn))
      v.push({ field: 'effective_on', description: 'must be a date' });
    if (v.length) throw RpcError.invalidArgument(v);
    const c = await this.visible(req.committeeId, principal, 'governance.write');
    const on = req.effectiveOn || today();
    await this.inTransaction(async (m) => {
      if (req.reason === 'removed') {
        // RC-7: removal is a decision of the meeting.
        const decision = isUuid(req.decisionId) ? await findDecision(m, req.decisionId) : undefined;
        if (!decision?.passed || decision.scopeNodeId !== c.scopeNodeId) {
          throw GovernanceError.rule(
            'REMOVAL_NEEDS_DECISION',
            'RC-7: a member is removed only by a passed meeting decision.',
            'decision_id',
          );
        }
      }
      const seat = (await this.committees.currentSeats([c.id], m)).find((s) => s.id === req.seatId);
      if (!seat) throw new NotFound('seat');
      if (on < seat.validFrom)
        throw GovernanceError.rule('BEFORE_SEAT_START', 'A seat ends after it started.', 'effective_on');
      await this.committees.endSeat(m, seat.id, on, req.reason);
      await this.committees.bump(m, c.id);
      await this.seatChanged(m, seat, 'ended', principal);
    });
    return this.current(c.id);
  }

  async roster(committeeId: string, on: string, principal: Principal | undefined): Promise<Seat[]> {
    if (on && !isDate(on)) throw RpcError.invalidArgument([{ field: 'on', description: 'must be a date' }]);
    const c = await this.visible(committeeId, principal, 'governance.read');
    return (await this.committees.seats([c.id], undefined, on || undefined)).map((s) =>
      this.toSeat(s, 'operator'),
    );
  }

  private async seatChanged(
    m: EntityManager,
    s: Pick<SeatRecord, 'committeeId' | 'id' | 'residentId' | 'position' | 'portfolio'>,
    change: string,
    principal?: Principal,
  ) {
    await appendToOutbox(
      m,
      CommitteeSeatChangedSchema,
      create(CommitteeSeatChangedSchema, {
        committeeId: s.committeeId,
        seatId: s.id,
        residentId: s.residentId,
        position: seatPositions.value(s.position),
        portfolio: s.portfolio,
        change,
        occurredAt: timestampNow(),
      }),
      { actorSubject: principal?.subject },
    );
  }

  private async inTransaction(work: (m: EntityManager) => Promise<void>) {
    try {
      await withTransaction(this.dataSource, work);
    } catch (e) {
      if (isUniqueViolation(e, 'committee_seats_one_chair'))
        throw GovernanceError.rule('CHAIR_TAKEN', 'The committee already has a chair.', 'position');
      if (sqlState(e) === '23P01')
        throw GovernanceError.rule(
          'ALREADY_A_MEMBER',
          'The resident already holds a seat on this committee.',
          'resident_id',
        );
      throw e;
    }
    this.relay.kick();
  }

  toSeat(s: SeatRecord, view: NameView): Seat {
    return create(SeatSchema, {
      id: s.id,
      position: seatPositions.value(s.position),
      portfolio: s.portfolio,
      residentId: view === 'operator' ? s.residentId : '',
      displayName: displayName(s.displayName, s.publicNameConsent, view),
      validFrom: s.validFrom,
      validTo: s.validTo ?? '',
      source: s.source,
      endReason: s.endReason ?? '',
    });
  }

  toCommittee(c: CommitteeRecord, seats: SeatRecord[]): Committee {
    return create(CommitteeSchema, {
      id: c.id,
      type: committeeTypes.value(c.type),
      scopeNodeId: c.scopeNodeId,
      name: c.name,
      size: c.size,
      termStart: c.termStart,
      termEnd: c.termEnd,
      mandateDecisionId: c.mandateDecisionId ?? '',
      portfolios: c.portfolios,
      seats: seats.map((s) => this.toSeat(s, 'operator')),
      vacancies: c.size - seats.length,
      version: c.version,
      createdAt: timestampFromDate(c.createdAt),
    });
  }
}
