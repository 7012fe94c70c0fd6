import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An integration event waiting to be published. Written in the same transaction as the state change it
 * describes; the relay publishes it to JetStream with Nats-Msg-Id = id and marks it published.
 */
@Entity('outbox')
@Index('outbox_unpublished_idx', ['createdAt', 'id'], { where: 'published_at IS NULL' })
export class OutboxEntity {
  /** The event id (UUIDv7), also the CloudEvents ce-id and the JetStream Nats-Msg-Id. */
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  subject: string;

  /** Fully qualified proto message name, e.g. linli.org.v1.NodeRegistered (ce-type). */
  @Column('text')
  type: string;

  @Column('jsonb')
  headers: Record<string, string>;

  /** The event as proto3 JSON. */
  @Column('jsonb')
  payload: unknown;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column('int', { default: 0 })
  attempts: number;
}

/** An event a consumer has applied; (consumer, event_id) makes every handler idempotent. */
@Entity('inbox')
export class InboxEntity {
  @PrimaryColumn('text')
  consumer: string;

  @PrimaryColumn('uuid')
  eventId: string;

  @Column('text')
  subject: string;

  @CreateDateColumn({ type: 'timestamptz' })
  receivedAt: Date;
}

/**
 * Version 1 of the outbox and inbox tables, run by each service's own initial migration. Frozen: a later
 * change gets a new constant and a new migration in every service, never an edit here.
 */
export const OUTBOX_INBOX_DDL_V1 = `
CREATE TABLE outbox (
  id uuid PRIMARY KEY,
  subject text NOT NULL,
  type text NOT NULL,
  headers jsonb NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts int NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unpublished_idx ON outbox (created_at, id) WHERE published_at IS NULL;
CREATE TABLE inbox (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  subject text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
`;

/**
 * Version 2: event payloads compressed with LZ4 instead of PostgreSQL's default pglz, several times faster to
 * compress and decompress at a similar ratio for JSON. A bulk import's batch events are hundreds of kilobytes
 * each, and pglz was a visible part of the import's database time. Rows already stored keep their compression.
 */
export const OUTBOX_DDL_V2 = `ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION lz4`;
export const OUTBOX_DDL_V2_DOWN = `ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION pglz`;
