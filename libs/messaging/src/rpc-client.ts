import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import { create } from '@bufbuild/protobuf';
import { ErrorCode, ErrorSchema, rpcSubject, type Principal } from '@linli/contracts';
import { SpanKind, inSpan, injectTraceContext, platformMetrics } from '@linli/observability';
import { errors, type NatsConnection } from '@nats-io/transport-node';
import { decodeMessage, encodeMessage } from './codec.js';
import { Headers, encodePrincipal, headerCarrier, newHeaders } from './headers.js';
import { RpcError } from './rpc.errors.js';

export interface CallOptions {
  principal?: Principal;
  requestId?: string;
  timeoutMs?: number;
}

/** Sends RPCs over core NATS and turns error replies, time-outs and missing responders into RpcError. */
export class RpcClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly defaults: { timeoutMs?: number; subjectPrefix?: string } = {},
  ) {}

  async call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
    options: CallOptions = {},
  ): Promise<MessageShape<O>> {
    const subject = `${this.defaults.subjectPrefix ?? ''}${rpcSubject(method)}`;
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      return await inSpan(
        `${subject} send`,
        {
          kind: SpanKind.CLIENT,
          attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject },
        },
        async () => {
          const h = newHeaders();
          injectTraceContext(headerCarrier(h));
          if (options.principal) h.set(Headers.principal, encodePrincipal(options.principal));
          if (options.requestId) h.set(Headers.requestId, options.requestId);
          h.set(Headers.ceType, method.input.typeName);
          let reply;
          try {
            reply = await this.nc.request(
              subject,
              encodeMessage(method.input, create(method.input, request)),
              {
                timeout: options.timeoutMs ?? this.defaults.timeoutMs ?? 3000,
                headers: h,
              },
            );
          } catch (e) {
            if (e instanceof errors.NoRespondersError) {
              throw new RpcError(
                ErrorCode.UNAVAILABLE,
                'SERVICE_UNAVAILABLE',
                `No service is answering ${subject}.`,
              );
            }
            if (e instanceof errors.TimeoutError) {
              throw new RpcError(
                ErrorCode.DEADLINE_EXCEEDED,
                'RPC_TIMEOUT',
                `${subject} did not answer in time.`,
              );
            }
            if (e instanceof errors.RequestError && e.isNoResponders()) {
              throw new RpcError(
                ErrorCode.UNAVAILABLE,
                'SERVICE_UNAVAILABLE',
                `No service is answering ${subject}.`,
              );
            }
            throw new RpcError(
              ErrorCode.UNAVAILABLE,
              'MESSAGING_UNAVAILABLE',
              'The messaging system is unavailable.',
            );
          }
          if (reply.headers?.get(Headers.ceType) === ErrorSchema.typeName) {
            throw RpcError.fromMessage(decodeMessage(ErrorSchema, reply.data));
          }
          return decodeMessage(method.output, reply.data);
        },
      );
    } catch (e) {
      outcome = e instanceof RpcError ? (ErrorCode[e.code] ?? 'ERROR') : 'ERROR';
      throw e;
    } finally {
      platformMetrics.rpcClientDuration
        .labels(subject, outcome)
        .observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
