import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { contextOf, eventSubject } from '@linli/contracts';
import { currentTraceparent } from '@linli/observability';
import { newId } from '@linli/persistence';
import type { EntityManager } from 'typeorm';
import { Headers } from './headers.js';
import { OutboxEntity } from './outbox.entity.js';

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
  const id = newId();
  const headers: Record<string, string> = {
    [Headers.ceSpecVersion]: '1.0',
    [Headers.ceId]: id,
    [Headers.ceType]: schema.typeName,
    [Headers.ceSource]: `linli/${contextOf(schema.typeName)}`,
    [Headers.ceTime]: new Date().toISOString(),
  };
  const traceparent = currentTraceparent();
  if (traceparent) headers[Headers.traceparent] = traceparent;
  if (options.actorSubject) headers[Headers.actor] = options.actorSubject;
  if (options.requestId) headers[Headers.requestId] = options.requestId;
  await manager.insert(OutboxEntity, {
    id,
    subject: eventSubject(schema),
    type: schema.typeName,
    headers,
    payload: toJson(schema, event) as object,
  });
  return id;
}
