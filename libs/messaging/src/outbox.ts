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
  if (events.length === 0) return [];
  const traceparent = currentTraceparent();
  const ids = events.map(() => newId());
  await manager.query(
    `INSERT INTO outbox (id, subject, type, headers, payload)
     SELECT id, $2, $3, headers, payload FROM unnest($1::uuid[], $4::jsonb[], $5::jsonb[]) AS t(id, headers, payload)`,
    [
      ids,
      eventSubject(schema),
      schema.typeName,
      ids.map((id) => JSON.stringify(eventHeaders(schema, id, options, traceparent))),
      events.map((e) => JSON.stringify(toJson(schema, e))),
    ],
  );
  return ids;
}
