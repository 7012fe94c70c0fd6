import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate, timestampNow } from '@bufbuild/protobuf/wkt';
import {
  ConsultationSchema,
  ConsultationStatus,
  ConsultationSummarisedSchema,
  OpinionSchema,
  type Consultation,
  type OpenConsultationRequest,
  type Opinion,
  type Principal,
  type PublishConsultationSummaryRequest,
  type SubmitOpinionRequest,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUuid, newId, withTransaction } from '@linli/persistence';
import { DataSource } from 'typeorm';
import { GovernanceError } from '../errors.js';
import { GovernanceAccess, NotFound } from '../access/governance-access.js';
import {
  ConsultationsRepository,
  type ConsultationRecord,
  type OpinionRecord,
} from './consultations.repository.js';

type Violations = Array<{ field: string; description: string }>;

const length = (s: string) => [...s].length;

/**
 * Opinion collection ahead of a deliberation: an operator of the scope opens a consultation for a window;
 * residents whose household lives in the scope give their opinion while it is open (CD-3: only residents of
 * the scope); operators read the opinions without their authors; after the window the organiser publishes a
 * summary and hands the topic to a meeting of the same scope whose agenda lists it. The decision that meeting
 * takes on the topic (a motion with subject_ref consultation:<id>) shows on the consultation.
 */
@Injectable()
export class ConsultationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly consultations: ConsultationsRepository,
    private readonly access: GovernanceAccess,
    private readonly relay: OutboxRelay,
  ) {}

  async open(req: OpenConsultationRequest, principal: Principal | undefined): Promise<Consultation> {
    const v: Violations = [];
    if (!isUuid(req.scopeNodeId)) v.push({ field: 'scope_node_id', description: 'must be a UUID' });
    const topic = req.topic.trim();
    if (length(topic) < 1 || length(topic) > 200)
      v.push({ field: 'topic', description: 'must be 1 to 200 characters' });
    const description = req.description.trim();
    if (length(description) > 5000) v.push({ field: 'description', description: 'at most 5000 characters' });
    const now = new Date();
    const opensAt = req.opensAt ? timestampDate(req.opensAt) : now;
    const closesAt = req.closesAt ? timestampDate(req.closesAt) : undefined;
    if (!closesAt) v.push({ field: 'closes_at', description: 'is required' });
    else if (closesAt <= opensAt) v.push({ field: 'closes_at', description: 'must be after opens_at' });
    else if (closesAt <= now) v.push({ field: 'closes_at', description: 'must be in the future' });
    if (v.length) throw RpcError.invalidArgument(v);
    await this.access.require(principal, 'governance.write', req.scopeNodeId, 'node');
    const id = newId();
    await withTransaction(this.dataSource, (m) =>
      this.consultations.insert(
        m,
        { id, scopeNodeId: req.scopeNodeId, topic, description, opensAt, closesAt: closesAt! },
        principal?.subject ?? null,
      ),
    );
    return this.toConsultation((await this.consultations.find(id))!);
  }

  /** Operators of the scope and residents living in it see a consultation; to anyone else it does not exist. */
  async get(id: string, principal: Principal | undefined): Promise<Consultation> {
    if (!isUuid(id))
      throw RpcError.invalidArgument([{ field: 'consultation_id', description: 'must be a UUID' }]);
    const c = await this.consultations.find(id);
    if (!c) throw new NotFound('consultation');
    const me = await this.access.resident(principal);
    if (
      !me?.nodePath.includes(c.scopeNodeId) &&
      !(await this.access.may(principal, 'governance.read', c.scopeNodeId))
    )
      throw new NotFound('consultation');
    return this.toConsultation(c);
  }

  async submit(req: SubmitOpinionRequest, principal: Principal | undefined): Promise<Opinion> {
    const v: Violations = [];
    if (!isUuid(req.consultationId)) v.push({ field: 'consultation_id', description: 'must be a UUID' });
    const text = req.text.trim();
    if (length(text) < 1 || length(text) > 2000)
      v.push({ field: 'text', description: 'must be 1 to 2000 characters' });
    if (v.length) throw RpcError.invalidArgument(v);
    const c = await this.consultations.find(req.consultationId);
    // CD-3: only residents of the scope give their opinion; for anyone else the consultation does not exist.
    const me = await this.access.resident(principal);
    if (!c || !me || !me.nodePath.includes(c.scopeNodeId)) throw new NotFound('consultation');
    const now = Date.now();
    if (now < c.opensAt.getTime()) {
      throw GovernanceError.rule(
        'CONSULTATION_NOT_OPEN',
        `The consultation opens at ${c.opensAt.toISOString()}.`,
        'consultation_id',
      );
    }
    if (now >= c.closesAt.getTime()) {
      throw GovernanceError.rule(
        'CONSULTATION_CLOSED',
        `The consultation closed at ${c.closesAt.toISOString()}.`,
        'consultation_id',
      );
    }
    const o = await withTransaction(this.dataSource, (m) =>
      this.consultations.insertOpinion(m, {
        id: newId(),
        consultationId: c.id,
        residentId: me.residentId,
        text,
      }),
    );
    return this.toOpinion(o);
  }

  async opinions(
    consultationId: string,
    limit: number,
    cursor: string,
    principal: Principal | undefined,
  ): Promise<{ opinions: Opinion[]; nextCursor: string }> {
    const v: Violations = [];
    if (!isUuid(consultationId)) v.push({ field: 'consultation_id', description: 'must be a UUID' });
    if (cursor && !isUuid(cursor)) v.push({ field: 'cursor', description: 'must be a UUID' });
    if (v.length) throw RpcError.invalidArgument(v);
    const c = await this.consultations.find(consultationId);
    if (!c || !(await this.access.may(principal, 'governance.read', c.scopeNodeId)))
      throw new NotFound('consultation');
    const size = Math.min(Math.max(limit || 50, 1), 200);
    const rows = await this.consultations.opinions(c.id, size + 1, cursor || undefined);
    const page = rows.slice(0, size);
    return {
      opinions: page.map((o) => this.toOpinion(o)),
      nextCursor: rows.length > size ? page[page.length - 1].id : '',
    };
  }

  async publishSummary(
    req: PublishConsultationSummaryRequest,
    principal: Principal | undefined,
  ): Promise<Consultation> {
    const v: Violations = [];
    if (!isUuid(req.consultationId)) v.push({ field: 'consultation_id', description: 'must be a UUID' });
    const summary = req.summary.trim();
    if (length(summary) < 1 || length(summary) > 5000)
      v.push({ field: 'summary', description: 'must be 1 to 5000 characters' });
    if (!isUuid(req.meetingId)) v.push({ field: 'meeting_id', description: 'must be a UUID' });
    if (v.length) throw RpcError.invalidArgument(v);
    const found = await this.consultations.find(req.consultationId);
    if (!found || !(await this.access.may(principal, 'governance.write', found.scopeNodeId)))
      throw new NotFound('consultation');
    await withTransaction(this.dataSource, async (m) => {
      const c = (await this.consultations.find(found.id, m, true))!;
      if (c.summarisedAt) {
        throw GovernanceError.exists(
          'ALREADY_SUMMARISED',
          'The summary of this consultation was published already.',
        );
      }
      if (Date.now() < c.closesAt.getTime()) {
        throw GovernanceError.rule(
          'CONSULTATION_STILL_OPEN',
          `The summary is published after the consultation closes (${c.closesAt.toISOString()}).`,
        );
      }
      const meeting = await this.consultations.meeting(m, req.meetingId);
      if (!meeting || meeting.scopeNodeId !== c.scopeNodeId) {
        throw GovernanceError.rule(
          'MEETING_NOT_IN_SCOPE',
          "The summary goes to a meeting of the consultation's scope.",
          'meeting_id',
        );
      }
      if (!meeting.agenda.some((item) => item.consultationId === c.id)) {
        throw GovernanceError.rule(
          'NOT_ON_AGENDA',
          "The meeting's agenda does not list this consultation.",
          'meeting_id',
        );
      }
      await this.consultations.summarise(m, c.id, summary, meeting.id);
      await appendToOutbox(
        m,
        ConsultationSummarisedSchema,
        create(ConsultationSummarisedSchema, {
          consultationId: c.id,
          scopeNodeId: c.scopeNodeId,
          meetingId: meeting.id,
          opinionCount: c.opinionCount,
          occurredAt: timestampNow(),
        }),
        { actorSubject: principal?.subject },
      );
    });
    this.relay.kick();
    return this.toConsultation((await this.consultations.find(found.id))!);
  }

  private toConsultation(c: ConsultationRecord): Consultation {
    const status = c.summarisedAt
      ? ConsultationStatus.SUMMARISED
      : Date.now() >= c.closesAt.getTime()
        ? ConsultationStatus.CLOSED
        : ConsultationStatus.OPEN;
    return create(ConsultationSchema, {
      id: c.id,
      scopeNodeId: c.scopeNodeId,
      topic: c.topic,
      description: c.description,
      opensAt: timestampFromDate(c.opensAt),
      closesAt: timestampFromDate(c.closesAt),
      status,
      opinionCount: c.opinionCount,
      summary: c.summary,
      meetingId: c.meetingId ?? '',
      decisionId: c.decisionId ?? '',
    });
  }

  /** Opinions are read for their content: the author is never shown, to anyone. */
  private toOpinion(o: OpinionRecord): Opinion {
    return create(OpinionSchema, {
      id: o.id,
      consultationId: o.consultationId,
      text: o.text,
      submittedAt: timestampFromDate(o.submittedAt),
      authorDisplay: '',
    });
  }
}
