import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface ConsultationRecord {
  id: string;
  scopeNodeId: string;
  topic: string;
  description: string;
  opensAt: Date;
  closesAt: Date;
  summary: string;
  meetingId: string | null;
  summarisedAt: Date | null;
  opinionCount: number;
  /** The decision on the consultation's motion at the linked meeting, once decided. */
  decisionId: string | null;
}

export interface OpinionRecord {
  id: string;
  consultationId: string;
  text: string;
  submittedAt: Date;
}

export interface AgendaMeeting {
  id: string;
  scopeNodeId: string;
  agenda: Array<{ title: string; consultationId?: string }>;
}

const CONSULTATION_COLUMNS = `c.id, c.scope_node_id, c.topic, c.description, c.opens_at, c.closes_at, c.summary,
  c.meeting_id, c.summarised_at,
  (SELECT count(*)::int FROM opinions o WHERE o.consultation_id = c.id) AS opinion_count,
  (SELECT mo.decision_id FROM motions mo
    WHERE mo.meeting_id = c.meeting_id AND mo.subject_ref = 'consultation:' || c.id AND mo.decision_id IS NOT NULL
    ORDER BY mo.decided_at DESC LIMIT 1) AS decision_id`;

function consultation(r: Record<string, unknown>): ConsultationRecord {
  return {
    id: r.id as string,
    scopeNodeId: r.scope_node_id as string,
    topic: r.topic as string,
    description: r.description as string,
    opensAt: r.opens_at as Date,
    closesAt: r.closes_at as Date,
    summary: r.summary as string,
    meetingId: r.meeting_id as string | null,
    summarisedAt: r.summarised_at as Date | null,
    opinionCount: r.opinion_count as number,
    decisionId: r.decision_id as string | null,
  };
}

function opinion(r: Record<string, unknown>): OpinionRecord {
  return {
    id: r.id as string,
    consultationId: r.consultation_id as string,
    text: r.text as string,
    submittedAt: r.submitted_at as Date,
  };
}

/** consultations and opinions; the meeting a summary is handed to. Opinions are read without their author. */
@Injectable()
export class ConsultationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    m: EntityManager,
    c: Pick<ConsultationRecord, 'id' | 'scopeNodeId' | 'topic' | 'description' | 'opensAt' | 'closesAt'>,
    createdBy: string | null,
  ): Promise<void> {
    await m.query(
      `INSERT INTO consultations (id, scope_node_id, topic, description, opens_at, closes_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [c.id, c.scopeNodeId, c.topic, c.description, c.opensAt, c.closesAt, createdBy],
    );
  }

  async find(
    id: string,
    m: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<ConsultationRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT ${CONSULTATION_COLUMNS} FROM consultations c WHERE c.id = $1 ${lock ? 'FOR UPDATE OF c' : ''}`,
      [id],
    );
    return rows[0] ? consultation(rows[0]) : undefined;
  }

  async insertOpinion(
    m: EntityManager,
    o: { id: string; consultationId: string; residentId: string; text: string },
  ): Promise<OpinionRecord> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `INSERT INTO opinions (id, consultation_id, resident_id, text) VALUES ($1, $2, $3, $4)
       RETURNING id, consultation_id, text, submitted_at`,
      [o.id, o.consultationId, o.residentId, o.text],
    );
    return opinion(rows[0]);
  }

  /** Opinions in the order they came (ids are time-ordered), after `cursor`. */
  async opinions(consultationId: string, limit: number, after?: string): Promise<OpinionRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, consultation_id, text, submitted_at FROM opinions
        WHERE consultation_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [consultationId, after ?? null, limit],
    );
    return rows.map(opinion);
  }

  async meeting(m: EntityManager, id: string): Promise<AgendaMeeting | undefined> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT id, scope_node_id, agenda FROM meetings WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    return r
      ? {
          id: r.id as string,
          scopeNodeId: r.scope_node_id as string,
          agenda: r.agenda as AgendaMeeting['agenda'],
        }
      : undefined;
  }

  async summarise(m: EntityManager, id: string, summary: string, meetingId: string): Promise<void> {
    await m.query(
      `UPDATE consultations SET summary = $2, meeting_id = $3, summarised_at = now() WHERE id = $1`,
      [id, summary, meetingId],
    );
  }
}
