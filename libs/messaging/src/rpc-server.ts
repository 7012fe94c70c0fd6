import type { DescMethodUnary, DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import { create } from '@bufbuild/protobuf';
import { ErrorCode, ErrorSchema, rpcSubject, type Principal } from '@linli/contracts';
import { SpanKind, extractTraceContext, inSpan, platformMetrics, type Logger } from '@linli/observability';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { decodeMessage, encodeMessage } from './codec.js';
import { Headers, decodePrincipal, headerCarrier, newHeaders } from './headers.js';
import { RpcError } from './rpc.errors.js';

/** What a handler knows about the call besides the request. */
export interface RpcContext {
  /** The authenticated caller forwarded by the gateway; undefined for internal calls. */
  principal?: Principal;
  requestId?: string;
  subject: string;
}

export type RpcHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  ctx: RpcContext,
) => Promise<MessageInitShape<O>>;

/**
 * Serves RPCs over core NATS request/reply. Every method subscribes on its derived subject
 * (`rpc.<context>.v1.<method>`) in the service's queue group, so replicas share the load.
 * Replies are the method's output message, or `linli.common.v1.Error` marked by the `ce-type` header.
 */
export class RpcServer {
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: { queue: string; logger: Logger; subjectPrefix?: string },
  ) {}

  handle<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    handler: RpcHandler<I, O>,
  ): void {
    const subject = `${this.options.subjectPrefix ?? ''}${rpcSubject(method)}`;
    const sub = this.nc.subscribe(subject, {
      queue: this.options.queue,
      callback: (err, msg) => {
        if (err) {
          this.options.logger.error({ err, subject }, 'rpc subscription error');
          return;
        }
        const p = this.dispatch(method, handler, msg).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      },
    });
    this.subscriptions.push(sub);
  }

  private async dispatch<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    handler: RpcHandler<I, O>,
    msg: Msg,
  ): Promise<void> {
    const subject = msg.subject;
    const started = process.hrtime.bigint();
    const parent = msg.headers ? extractTraceContext(headerCarrier(msg.headers)) : undefined;
    let outcome = 'ok';
    await inSpan(
      `${subject} process`,
      {
        kind: SpanKind.SERVER,
        parent,
        attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject },
      },
      async (span) => {
        const replyHeaders = newHeaders();
        let body: Uint8Array;
        try {
          let request: MessageShape<I>;
          try {
            request = decodeMessage(method.input, msg.data);
          } catch (e) {
            throw RpcError.invalidArgument(
              [{ field: '(body)', description: (e as Error).message }],
              'MALFORMED_REQUEST',
            );
          }
          const ctx: RpcContext = {
            subject,
            principal: decodePrincipal(msg.headers?.get(Headers.principal)),
            requestId: msg.headers?.get(Headers.requestId) || undefined,
          };
          const result = await handler(request, ctx);
          body = encodeMessage(method.output, create(method.output, result));
          replyHeaders.set(Headers.ceType, method.output.typeName);
        } catch (e) {
          const error =
            e instanceof RpcError
              ? e
              : new RpcError(ErrorCode.INTERNAL, 'INTERNAL', 'The service failed to handle the request.');
          outcome = ErrorCode[error.code] ?? 'INTERNAL';
          if (!(e instanceof RpcError)) {
            this.options.logger.error({ err: e, subject }, 'rpc handler failed');
          }
          span.setAttribute('linli.error.reason', error.reason);
          body = encodeMessage(ErrorSchema, error.toMessage());
          replyHeaders.set(Headers.ceType, ErrorSchema.typeName);
        }
        if (msg.reply) msg.respond(body, { headers: replyHeaders });
      },
    ).catch(() => undefined);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    platformMetrics.rpcServerDuration.labels(subject, outcome).observe(seconds);
  }

  /** Stops taking requests and waits for those in flight to be answered. */
  async drain(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain().catch(() => undefined)));
    await Promise.all([...this.inFlight]);
  }
}
