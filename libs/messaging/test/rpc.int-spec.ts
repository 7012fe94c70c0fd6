import { create } from '@bufbuild/protobuf';
import { ErrorCode, NodeKind, NodeService, PrincipalSchema, type Principal } from '@linli/contracts';
import { expectEventually, natsUrl, testLogger, uniqueSuffix } from '@linli/testing';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { RpcClient, RpcError, RpcServer } from '../src/index.js';

describe('RPC over core NATS (real nats-server)', () => {
  let nc: NatsConnection;
  let server: RpcServer;
  let client: RpcClient;
  let prefix: string;
  const spans = new InMemorySpanExporter();
  let seenPrincipal: Principal | undefined;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
    );
    nc = await connect({ servers: natsUrl });
    prefix = `t${uniqueSuffix()}.`;
    server = new RpcServer(nc, { queue: 'org', logger: testLogger(), subjectPrefix: prefix });
    server.handle(NodeService.method.getNode, async (req, ctx) => {
      seenPrincipal = ctx.principal;
      if (req.id === 'missing') throw new RpcError(ErrorCode.NOT_FOUND, 'NODE_NOT_FOUND', 'No such node.');
      if (req.id === 'crash') throw new Error('SELECT failed for resident 张三 13812341234');
      if (req.id === 'slow') await new Promise((r) => setTimeout(r, 500));
      return {
        node: { id: req.id, kind: NodeKind.COMMUNITY, name: '下涧槽社区', code: '510108007003', version: 3n },
      };
    });
    client = new RpcClient(nc, { timeoutMs: 2000, subjectPrefix: prefix });
    await nc.flush();
  });

  afterAll(async () => {
    await server.drain();
    await nc.close();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('answers with the typed reply on the derived subject rpc.org.v1.get_node, forwarding the principal', async () => {
    const principal = create(PrincipalSchema, {
      subject: 'u-1',
      username: 'city.admin',
      roles: ['operator'],
    });
    const reply = await client.call(NodeService.method.getNode, { id: 'n-1' }, { principal });
    expect(reply.node?.name).toBe('下涧槽社区');
    expect(reply.node?.version).toBe(3n);
    expect(seenPrincipal?.username).toBe('city.admin');
    expect(seenPrincipal?.roles).toEqual(['operator']);
  });

  it('turns a typed service error into an RpcError with its code and reason', async () => {
    const err = await client.call(NodeService.method.getNode, { id: 'missing' }).catch((e) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err.code).toBe(ErrorCode.NOT_FOUND);
    expect(err.reason).toBe('NODE_NOT_FOUND');
  });

  it('never leaks an unexpected failure: INTERNAL with a generic message and no personal data', async () => {
    const err = await client.call(NodeService.method.getNode, { id: 'crash' }).catch((e) => e);
    expect(err.code).toBe(ErrorCode.INTERNAL);
    expect(err.message).not.toMatch(/张三|1381234/);
  });

  it('rejects a body that is not the request message with INVALID_ARGUMENT', async () => {
    const reply = await nc.request(
      `${prefix}rpc.org.v1.get_node`,
      new TextEncoder().encode('{"id": 42, "nope": ['),
      {
        timeout: 2000,
      },
    );
    expect(reply.headers?.get('ce-type')).toBe('linli.common.v1.Error');
    expect(JSON.parse(reply.string())).toMatchObject({
      code: 'ERROR_CODE_INVALID_ARGUMENT',
      reason: 'MALFORMED_REQUEST',
    });
  });

  it('maps a time-out to DEADLINE_EXCEEDED and a missing service to UNAVAILABLE', async () => {
    const slow = await client
      .call(NodeService.method.getNode, { id: 'slow' }, { timeoutMs: 100 })
      .catch((e) => e);
    expect(slow.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    const nobody = new RpcClient(nc, { subjectPrefix: `${prefix}nobody.` });
    const missing = await nobody.call(NodeService.method.getNode, { id: 'x' }).catch((e) => e);
    expect(missing.code).toBe(ErrorCode.UNAVAILABLE);
  });

  it('carries the W3C trace context across NATS: the server span is a child of the client span', async () => {
    spans.reset();
    await trace.getTracer('test').startActiveSpan('HTTP GET /v1/org/nodes/:id', async (root) => {
      await client.call(NodeService.method.getNode, { id: 'n-2' });
      root.end();
    });
    // The server span ends just after it replied: wait for it.
    const [send, processed, root] = await expectEventually(() => {
      const finished = spans.getFinishedSpans();
      const found = [
        finished.find((s) => s.name.endsWith('get_node send')),
        finished.find((s) => s.name.endsWith('get_node process')),
        finished.find((s) => s.name.startsWith('HTTP GET')),
      ];
      expect(found.every(Boolean)).toBe(true);
      return found;
    });
    expect(processed!.spanContext().traceId).toBe(root!.spanContext().traceId);
    expect(processed!.parentSpanContext?.spanId).toBe(send!.spanContext().spanId);
  });
});
