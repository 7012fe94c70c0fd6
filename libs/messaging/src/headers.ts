import { fromJson, toJson } from '@bufbuild/protobuf';
import { PrincipalSchema, type Principal } from '@linli/contracts';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/** Header names used on every message (CloudEvents NATS binding + W3C trace context + our own). */
export const Headers = {
  msgId: 'Nats-Msg-Id',
  ceSpecVersion: 'ce-specversion',
  ceId: 'ce-id',
  ceType: 'ce-type',
  ceSource: 'ce-source',
  ceTime: 'ce-time',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  requestId: 'x-request-id',
  actor: 'x-actor-sub',
  principal: 'linli-principal',
  deadLetterReason: 'linli-dead-letter-reason',
  deadLetterConsumer: 'linli-dead-letter-consumer',
} as const;

export function newHeaders(): MsgHdrs {
  return natsHeaders();
}

/** Adapts NATS headers to the OpenTelemetry propagation carrier shape. */
export function headerCarrier(h: MsgHdrs) {
  return {
    get: (key: string) => (h.has(key) ? h.get(key) : undefined),
    set: (key: string, value: string) => h.set(key, value),
  };
}

export function encodePrincipal(principal: Principal): string {
  return JSON.stringify(toJson(PrincipalSchema, principal));
}

export function decodePrincipal(value: string | undefined): Principal | undefined {
  if (!value) return undefined;
  try {
    return fromJson(PrincipalSchema, JSON.parse(value), { ignoreUnknownFields: true });
  } catch {
    return undefined;
  }
}
