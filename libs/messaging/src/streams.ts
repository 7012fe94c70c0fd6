import { eventStream, eventStreamSubjects } from '@linli/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  StorageType,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';

/** Where poison messages end up, with the reason in a header. */
export const DEAD_LETTER_STREAM = 'DEAD_LETTERS';
export const deadLetterSubject = (consumer: string) => `dlq.${consumer}`;

export interface StreamNaming {
  /** Appended to stream names in tests so that suites never share a stream (e.g. `_T4F2A`). */
  suffix?: string;
}

export function streamNameFor(context: string, naming: StreamNaming = {}): string {
  return `${eventStream(context)}${naming.suffix ?? ''}`;
}

function isNotFound(e: unknown): boolean {
  return (
    e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.ConsumerNotFound)
  );
}

async function upsertStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }) {
  try {
    await jsm.streams.info(config.name);
    return await jsm.streams.update(config.name, config);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return jsm.streams.add(config);
  }
}

/**
 * Provisions a context's event stream `EVT_<CONTEXT>` (file storage, ≥ 10 min duplicate window for
 * Nats-Msg-Id deduplication) idempotently. Subjects may be narrowed with `subjectPrefix` in tests.
 */
export async function ensureEventStream(
  nc: NatsConnection,
  context: string,
  options: StreamNaming & { subjects?: string[]; replicas?: number; maxAgeDays?: number } = {},
): Promise<string> {
  const jsm = await jetstreamManager(nc);
  const name = streamNameFor(context, options);
  await upsertStream(jsm, {
    name,
    subjects: options.subjects ?? eventStreamSubjects(context),
    storage: StorageType.File,
    num_replicas: options.replicas ?? 1,
    duplicate_window: nanos(10 * 60 * 1000),
    max_age: nanos((options.maxAgeDays ?? 30) * 24 * 3600 * 1000),
  });
  return name;
}

/** Provisions the dead-letter stream idempotently. */
export async function ensureDeadLetterStream(
  nc: NatsConnection,
  options: StreamNaming & { subjects?: string[] } = {},
): Promise<string> {
  const jsm = await jetstreamManager(nc);
  const name = `${DEAD_LETTER_STREAM}${options.suffix ?? ''}`;
  await upsertStream(jsm, {
    name,
    subjects: options.subjects ?? ['dlq.>'],
    storage: StorageType.File,
    max_age: nanos(90 * 24 * 3600 * 1000),
  });
  return name;
}

export interface DurableConsumerSpec {
  stream: string;
  /** `<consumer>_<event>`, e.g. `governance_node_registered` (no dots, < 32 characters). */
  durable: string;
  filterSubject: string;
  maxDeliver: number;
  ackWaitMs: number;
}

/** Provisions a durable pull consumer with explicit acks, idempotently (updates a changed config). */
export async function ensureDurableConsumer(nc: NatsConnection, spec: DurableConsumerSpec): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    max_deliver: spec.maxDeliver,
    ack_wait: nanos(spec.ackWaitMs),
    max_ack_pending: 1000,
  };
  try {
    await jsm.consumers.info(spec.stream, spec.durable);
    await jsm.consumers.update(spec.stream, spec.durable, config);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.consumers.add(spec.stream, config);
  }
}
