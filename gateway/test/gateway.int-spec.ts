import { createHmac } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { ErrorCode, NodeKind, NodeSchema, NodeService } from '@linli/contracts';
import { RpcError, RpcServer } from '@linli/messaging';
import { natsUrl, startTestIssuer, testLogger, uniqueSuffix, type TestIssuer } from '@linli/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import request from 'supertest';
import { gatewayConfig } from '../src/config.js';
import { startGateway, type GatewayApp } from '../src/gateway.app.js';

const NODE_ID = '0191a000-0000-7000-8000-000000000101';
const PARENT_ID = '0191a000-0000-7000-8000-000000000100';

/**
 * The gateway against real NATS and a real JWKS. The services are stand-in responders on the RPC subjects
 * (each test decides their reply), so every mapping from typed errors to HTTP can be driven.
 */
describe('gateway: authentication, validation and problem+json (real NATS, real JWKS)', () => {
  let idp: TestIssuer;
  let gw: GatewayApp;
  let nc: NatsConnection;
  let services: RpcServer;
  let seen: { principal?: string; requestId?: string; body?: unknown } = {};
  let nextError: RpcError | Error | 'slow' | undefined;

  const node = () =>
    create(NodeSchema, {
      id: NODE_ID,
      kind: NodeKind.COMMUNITY,
      name: '关口场社区',
      parentId: PARENT_ID,
      depth: 4,
      createdAt: timestampNow(),
      version: 1n,
    });

  async function fail() {
    const e = nextError;
    nextError = undefined;
    if (e === 'slow') await new Promise((r) => setTimeout(r, 400));
    else if (e) throw e;
  }

  beforeAll(async () => {
    idp = await startTestIssuer();
    const prefix = `t${uniqueSuffix()}.`;
    nc = await connect({ servers: natsUrl });
    services = new RpcServer(nc, { queue: 'stand-in', logger: testLogger(), subjectPrefix: prefix });
    services.handle(NodeService.method.getNode, async (req, ctx) => {
      seen = { principal: ctx.principal?.subject, requestId: ctx.requestId, body: req };
      await fail();
      return { node: node() };
    });
    services.handle(NodeService.method.registerNode, async (req, ctx) => {
      seen = { principal: ctx.principal?.subject, requestId: ctx.requestId, body: req };
      await fail();
      return { node: { ...node(), name: req.name } };
    });
    services.handle(NodeService.method.findNodeByCode, async () => {
      await fail();
      return { node: node() };
    });
    services.handle(NodeService.method.listChildren, async (req) => {
      await fail();
      return { nodes: [node()], nextCursor: req.cursor ? '' : 'next' };
    });
    await nc.flush();
    gw = await startGateway(
      gatewayConfig({
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        NATS_URL: natsUrl,
        NATS_SUBJECT_PREFIX: prefix,
        OIDC_ISSUER: idp.issuer,
        RPC_TIMEOUT_MS: '200',
        OIDC_JWKS_COOLDOWN_MS: '0',
        LOG_LEVEL: 'silent',
      }),
      { logger: testLogger('gateway') },
    );
  });

  afterAll(async () => {
    await gw.stop();
    await services.drain();
    await nc.close();
    await idp.close();
  });

  const api = () => request(gw.url);
  const bearer = async (claims = {}) => `Bearer ${await idp.token(claims)}`;

  function expectProblem(res: request.Response, status: number, code?: string) {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status,
      title: expect.any(String),
      type: expect.stringMatching(/^https:/),
    });
    if (code) expect(res.body.code).toBe(code);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  }

  describe('rejects bad tokens with 401 problem+json', () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = () => ({
      iss: idp.issuer,
      aud: 'linli-api',
      sub: 'attacker',
      typ: 'Bearer',
      exp: Math.floor(Date.now() / 1000) + 300,
      realm_access: { roles: ['operator', 'platform-admin'] },
    });
    const cases: Array<[string, () => Promise<string | undefined>]> = [
      ['a missing token', async () => undefined],
      ['a malformed header', async () => 'Token abc'],
      ['an expired token', async () => bearer({ exp: Math.floor(Date.now() / 1000) - 60 })],
      ['a token not valid yet', async () => `Bearer ${await idp.token({}, { notBefore: '10m' })}`],
      ['a token for another audience', async () => bearer({ aud: 'another-api' })],
      ['a token from another issuer', async () => bearer({ iss: 'http://127.0.0.1:1/realms/evil' })],
      ['an ID token (typ ID)', async () => bearer({ typ: 'ID' })],
      ['alg: none', async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`],
      [
        'HS256 signed with the public key (key confusion)',
        async () => {
          const head = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64(claims())}`;
          const sig = createHmac('sha256', idp.publicKeyPem).update(head).digest('base64url');
          return `Bearer ${head}.${sig}`;
        },
      ],
      ['a token signed by an unknown key', async () => `Bearer ${await idp.tokenFromUnknownKey()}`],
      [
        'a tampered token',
        async () => {
          const [h, , s] = (await idp.token()).split('.');
          return `Bearer ${h}.${b64({ ...claims(), sub: 'someone-else' })}.${s}`;
        },
      ],
    ];
    it.each(cases)('%s', async (_, make) => {
      const auth = await make();
      const req = api().get(`/v1/org/nodes/${NODE_ID}`);
      const res = await (auth ? req.set('authorization', auth) : req);
      expectProblem(res, 401, 'UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="linli"/);
    });
  });

  it('forwards the principal and the request id to the service and maps the reply', async () => {
    const res = await api()
      .get(`/v1/org/nodes/${NODE_ID}`)
      .set('authorization', await bearer({ sub: 'op-1' }))
      .set('x-request-id', 'req-abc');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-abc');
    expect(res.body).toMatchObject({
      managingAuthorityId: null,
      id: NODE_ID,
      kind: 'community',
      name: '关口场社区',
      parentId: PARENT_ID,
      code: null,
      version: 1,
    });
    expect(seen.principal).toBe('op-1');
  });

  it('400 problem+json for a malformed path, query or body — before any service is called', async () => {
    const auth = await bearer();
    expectProblem(
      await api().get('/v1/org/nodes/not-a-uuid').set('authorization', auth),
      400,
      'INVALID_ARGUMENT',
    );
    expectProblem(
      await api().get('/v1/org/nodes?code=12').set('authorization', auth),
      400,
      'INVALID_ARGUMENT',
    );
    expectProblem(
      await api().get(`/v1/org/nodes/${NODE_ID}/children?limit=0`).set('authorization', auth),
      400,
    );
    const bad = await api()
      .post('/v1/org/nodes')
      .set('authorization', auth)
      .send({ parentId: 'x', kind: 'castle', name: '', extra: 1 });
    expectProblem(bad, 400, 'INVALID_ARGUMENT');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'extra',
      'kind',
      'name',
      'parentId',
    ]);
    const broken = await api()
      .post('/v1/org/nodes')
      .set('authorization', auth)
      .set('content-type', 'application/json')
      .send('{"parentId": ');
    expectProblem(broken, 400);
    const key = await api()
      .post('/v1/org/nodes')
      .set('authorization', auth)
      .set('idempotency-key', 'bad key with spaces')
      .send({ parentId: PARENT_ID, kind: 'community', name: '关口场社区' });
    expectProblem(key, 400, 'INVALID_ARGUMENT');
  });

  it('201 with Location for a created node; the Idempotency-Key travels as request_id', async () => {
    const res = await api()
      .post('/v1/org/nodes')
      .set('authorization', await bearer())
      .set('idempotency-key', 'create-1')
      .send({ parentId: PARENT_ID, kind: 'community', name: '关口场社区' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/org/nodes/${NODE_ID}`);
    expect(seen.body).toMatchObject({ parentId: PARENT_ID, kind: NodeKind.COMMUNITY, requestId: 'create-1' });
  });

  it.each([
    [new RpcError(ErrorCode.NOT_FOUND, 'NODE_NOT_FOUND', 'No such node.'), 404, 'NODE_NOT_FOUND'],
    [new RpcError(ErrorCode.INVALID_ARGUMENT, 'INVALID_CURSOR', 'bad'), 400, 'INVALID_CURSOR'],
    [new RpcError(ErrorCode.ALREADY_EXISTS, 'NODE_NAME_TAKEN', 'taken'), 409, 'NODE_NAME_TAKEN'],
    [
      new RpcError(ErrorCode.FAILED_PRECONDITION, 'NODE_KIND_NOT_ALLOWED_HERE', 'no'),
      422,
      'NODE_KIND_NOT_ALLOWED_HERE',
    ],
    [new RpcError(ErrorCode.PERMISSION_DENIED, 'NOPE', 'no'), 403, 'NOPE'],
    [new RpcError(ErrorCode.UNAVAILABLE, 'DOWN', 'down'), 503, 'DOWN'],
    [new Error('db exploded with 张三 13812341234'), 500, 'INTERNAL'],
    ['slow' as const, 504, 'RPC_TIMEOUT'],
  ])('maps a service error %#  to %i problem+json', async (error, status, code) => {
    nextError = error;
    const res = await api()
      .get(`/v1/org/nodes/${NODE_ID}`)
      .set('authorization', await bearer());
    expectProblem(res, status, code);
    expect(JSON.stringify(res.body)).not.toMatch(/张三|13812341234|exploded/);
  });

  it('503 problem+json when no service answers the subject', async () => {
    const res = await api()
      .get(`/v1/governance/communities/${NODE_ID}/summary`)
      .set('authorization', await bearer());
    expectProblem(res, 503, 'SERVICE_UNAVAILABLE');
  });

  it('400 problem+json even for a request the HTTP parser refuses (raw non-ASCII bytes in the path)', async () => {
    const { connect } = await import('node:net');
    const url = new URL(gw.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          Buffer.concat([
            Buffer.from('GET /v1/org/nodes/search?q='),
            Buffer.from('关口'),
            Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
          ]),
        );
      });
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('application/problem+json');
    expect(raw).toContain('MALFORMED_REQUEST');
  });

  it('404 problem+json for an unknown route', async () => {
    expectProblem(
      await api()
        .get('/v1/nowhere')
        .set('authorization', await bearer()),
      404,
    );
  });

  it('picks up a rotated realm key without a restart', async () => {
    await idp.rotate();
    const res = await api()
      .get(`/v1/org/nodes/${NODE_ID}`)
      .set('authorization', await bearer());
    expect(res.status).toBe(200);
  });

  it('serves OpenAPI 3.1 documenting every /v1 route, a docs page, health and metrics without a token', async () => {
    const doc = await api().get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/v1/governance/committees',
      '/v1/governance/committees/{id}',
      '/v1/governance/committees/{id}/roster',
      '/v1/governance/committees/{id}/seats',
      '/v1/governance/committees/{id}/seats/{seatId}/end',
      '/v1/governance/committees/{id}/seats/{seatId}/portfolio',
      '/v1/governance/communities/{id}/summary',
      '/v1/governance/consultations',
      '/v1/governance/consultations/{id}',
      '/v1/governance/consultations/{id}/opinions',
      '/v1/governance/consultations/{id}/summary',
      '/v1/governance/elections',
      '/v1/governance/elections/{id}',
      '/v1/governance/elections/{id}/ballots',
      '/v1/governance/elections/{id}/candidates',
      '/v1/governance/elections/{id}/certify',
      '/v1/governance/elections/{id}/close',
      '/v1/governance/elections/{id}/my-status',
      '/v1/governance/elections/{id}/open',
      '/v1/governance/elections/{id}/paper-ballots',
      '/v1/governance/elections/{id}/proxies',
      '/v1/governance/elections/{id}/roll',
      '/v1/governance/elections/{id}/roll-objections',
      '/v1/governance/elections/{id}/tally',
      '/v1/governance/honour-schemes',
      '/v1/governance/honour-schemes/{id}/awards',
      '/v1/governance/honour-schemes/{id}/nominations',
      '/v1/governance/meetings',
      '/v1/governance/meetings/{id}',
      '/v1/governance/meetings/{id}/attendance',
      '/v1/governance/meetings/{id}/close',
      '/v1/governance/meetings/{id}/motions',
      '/v1/governance/meetings/{id}/open',
      '/v1/governance/motions/{id}/decision',
      '/v1/governance/motions/{id}/owner-votes',
      '/v1/governance/nodes/{nodeId}/committees',
      '/v1/governance/nodes/{nodeId}/meetings',
      '/v1/governance/nodes/{nodeId}/residents-groups',
      '/v1/governance/residents-groups',
      '/v1/governance/residents-groups/{id}/representatives',
      '/v1/governance/roll-objections/{id}/decision',
      '/v1/org/dwellings/{id}/owners',
      '/v1/org/households/{id}',
      '/v1/org/households/{id}/members',
      '/v1/org/households/{id}/members/{residentId}',
      '/v1/org/households/{id}/move',
      '/v1/org/households/{id}/representative',
      '/v1/org/imports/households',
      '/v1/org/imports/{id}',
      '/v1/org/memberships/{id}/end',
      '/v1/org/nodes',
      '/v1/org/nodes/search',
      '/v1/org/nodes/{id}',
      '/v1/org/nodes/{id}/children',
      '/v1/org/nodes/{id}/counts',
      '/v1/org/nodes/{id}/dwellings',
      '/v1/org/nodes/{id}/households',
      '/v1/org/nodes/{id}/managing-authority',
      '/v1/org/nodes/{id}/move',
      '/v1/org/nodes/{id}/organisations',
      '/v1/org/nodes/{id}/owners-roll',
      '/v1/org/nodes/{id}/path',
      '/v1/org/nodes/{id}/retire',
      '/v1/org/nodes/{id}/role-assignments',
      '/v1/org/nodes/{id}/subtree',
      '/v1/org/organisations/{id}',
      '/v1/org/organisations/{id}/memberships',
      '/v1/org/residents/{id}',
      '/v1/org/residents/{id}/account',
      '/v1/org/role-assignments',
      '/v1/org/role-assignments/{id}',
      '/v1/public/elections/{id}/ballot-hashes',
      '/v1/public/elections/{id}/proxies',
      '/v1/public/elections/{id}/results',
      '/v1/public/nodes/{nodeId}/honour-roll',
    ]);
    // Every /v1 operation documents its problem responses and needs a bearer token (the public notice
    // board excepted: it needs none, and cannot answer 401).
    for (const [path, ops] of Object.entries(
      doc.body.paths as Record<string, Record<string, { responses: object; security?: unknown }>>,
    )) {
      for (const [method, op] of Object.entries(ops)) {
        if (path.startsWith('/v1/public/')) {
          expect([path, method, op.security]).toEqual([path, method, undefined]);
          expect([path, method, Object.keys(op.responses)]).toEqual([
            path,
            method,
            expect.arrayContaining(['400', '503']),
          ]);
          continue;
        }
        expect([path, method, Object.keys(op.responses)]).toEqual([
          path,
          method,
          expect.arrayContaining(['401', '503']),
        ]);
        expect(op.security).toEqual([{ bearer: [] }]);
      }
    }
    expect(doc.body.paths['/v1/org/nodes'].post.responses['404'].content).toHaveProperty([
      'application/problem+json',
    ]);
    const docs = await api().get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
    expect((await api().get('/health/live')).status).toBe(200);
    expect((await api().get('/health/ready')).body).toMatchObject({
      status: 'up',
      checks: { nats: { status: 'up' } },
    });
    const metrics = await api().get('/metrics');
    expect(metrics.text).toContain('http_request_duration_seconds');
    expect(metrics.text).toContain('linli_rpc_client_duration_seconds');
  });
});
