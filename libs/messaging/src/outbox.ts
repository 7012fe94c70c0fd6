import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { contextOf, eventSubject } from '@linli/contracts';
import { currentTraceparent } from '@linli/observability';
import { newId } from '@linli/persistence';
import type { EntityManager } from 'typeorm';
import { Headers } from './headers.js';

export interface AppendOptions {
  /** The user who caused the event (x-actor-sub). */
  actorSubject?: string;
  /** Correlation with the request that caused it. */
  requestId?: string;
}

/**
 * Appends an integration event to the outbox inside the caller's transaction. Nothing is published
 * unless that transaction commits; a use case never talks to JetStream itself.
 */
export async function appendToOutbox<D extends DescMessage>(
  manager: EntityManager,
  schema: D,
  event: MessageShape<D>,
  options: AppendOptions = {},
): Promise<string> {
  const [id] = await appendManyToOutbox(manager, schema, [event], options);
  return id;
}

function eventHeaders(
  schema: DescMessage,
  id: string,
  options: AppendOptions,
  traceparent: string | undefined,
) {
  const headers: Record<string, string> = {
    [Headers.ceSpecVersion]: '1.0',
    [Headers.ceId]: id,
    [Headers.ceType]: schema.typeName,
    [Headers.ceSource]: `linli/${contextOf(schema.typeName)}`,
    [Headers.ceTime]: new Date().toISOString(),
  };
  if (traceparent) headers[Headers.traceparent] = traceparent;
  if (options.actorSubject) headers[Headers.actor] = options.actorSubject;
  if (options.requestId) headers[Headers.requestId] = options.requestId;
  return headers;
}

/** Appends many events of one type in a single statement (bulk imports). Returns their ids in order. */
export async function appendManyToOutbox<D extends DescMessage>(
  manager: EntityManager,
  schema: D,
  events: MessageShape<D>[],
  options: AppendOptions = {},
): Promise<string[]> {
  return appendJsonToOutbox(
    manager,
    schema,
    events.map((e) => JSON.stringify(toJson(schema, e))),
    options,
  );
}

/**
 * Like appendManyToOutbox, for payloads the caller already serialised as proto3 JSON of `schema` (bulk imports
 * that build hundreds of thousands of events cheaply). One statement; the headers are one template completed
 * per row by the database. `ids` (UUIDv7, in order) are generated unless given.
 */
export async function appendJsonToOutbox(
  manager: EntityManager,
  schema: DescMessage,
  payloads: string[],
  options: AppendOptions = {},
  ids: string[] = payloads.map(() => newId()),
): Promise<string[]> {
  if (payloads.length === 0) return [];
  if (payloads.some((p) => p.includes('\n'))) throw new Error('outbox payloads must be single-line JSON');
  const template = eventHeaders(schema, '', options, currentTraceparent());
  delete template[Headers.ceId];
  // One text parameter per column, split by the database: far cheaper to parse than long text[] literals.
  // JSON has no raw newlines, so newline separates the payloads.
  await manager.query(
    `INSERT INTO outbox (id, subject, type, headers, payload)
     SELECT id, $2, $3, $4::jsonb || jsonb_build_object('${Headers.ceId}', id::text), payload::jsonb
       FROM unnest(string_to_array($1::text, ',')::uuid[], string_to_array($5::text, E'\\n')) AS t(id, payload)`,
    [ids.join(','), eventSubject(schema), schema.typeName, JSON.stringify(template), payloads.join('\n')],
  );
  return ids;
}

/**
 * What a bulk writer (COPY or INSERT … SELECT into outbox) needs for rows of one event type: subject, type and
 * each row's headers as JSON, the same headers appendToOutbox writes.
 */
export function outboxRowTemplate(schema: DescMessage, options: AppendOptions = {}) {
  const template = eventHeaders(schema, '', options, currentTraceparent());
  delete template[Headers.ceId];
  const headersTemplate = JSON.stringify(template);
  return {
    subject: eventSubject(schema),
    type: schema.typeName,
    /** The headers without the event id, which goes under `ceIdHeader`. */
    headersTemplate,
    ceIdHeader: Headers.ceId,
    headers: (id: string) => `{"${Headers.ceId}":"${id}",${headersTemplate.slice(1)}`,
  };
}
