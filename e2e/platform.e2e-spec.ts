import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { composeResidentId } from '@linli/privacy';
import { expectEventually } from '@linli/testing';
import { bootPlatform, clientToken, passwordToken, type E2EPlatform } from './support.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

/** A minimal OTLP/HTTP (JSON) trace receiver standing in for the collector. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')
            ?.value?.stringValue;
          for (const ss of rs.scopeSpans ?? [])
            for (const sp of ss.spans ?? []) spans.push({ ...sp, service });
        }
      } catch {
        // not JSON: ignore
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((r) => server.close(() => r())) };
}

/** The walking skeleton as a district app drives it: token → gateway → NATS → org → PostgreSQL → JetStream → governance. */
describe('e2e: the platform as `npm start` runs it', () => {
  let p: E2EPlatform;
  let streetOp: string;

  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    collector = await startCollector();
    // The platform's processes export their spans here (OTLP/HTTP JSON), quickly.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
    try {
      p = await bootPlatform();
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    }
    streetOp = await passwordToken(p.urls.tokenEndpoint, 'street.operator');
  }, 120_000);

  afterAll(async () => {
    if (p && !stopped) await p.teardown();
    await collector?.close();
  }, 60_000);

  let stopped = false;

  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${p.urls.gateway}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });

  async function nodeByCode(code: string, token: string) {
    const res = await api(`/v1/org/nodes?code=${code}`, token);
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Array<{ id: string; name: string }> };
    expect(items).toHaveLength(1);
    return items[0];
  }

  it('a street operator creates 关口场社区 under 丹景山镇 and governance sees it within seconds', async () => {
    const town = await nodeByCode('510182107000', streetOp);
    expect(town.name).toBe('丹景山镇');
    const created = await api('/v1/org/nodes', streetOp, {
      method: 'POST',
      body: JSON.stringify({ parentId: town.id, kind: 'community', name: '关口场社区' }),
      headers: { 'idempotency-key': 'e2e-guankouchang' },
    });
    expect(created.status).toBe(201);
    const node = (await created.json()) as { id: string; name: string; parentId: string; kind: string };
    expect(node).toMatchObject({ name: '关口场社区', parentId: town.id, kind: 'community' });
    expect(created.headers.get('location')).toBe(`/v1/org/nodes/${node.id}`);

    const summary = await expectEventually(
      async () => {
        const res = await api(`/v1/governance/communities/${node.id}/summary`, streetOp);
        expect(res.status).toBe(200);
        return (await res.json()) as Record<string, unknown>;
      },
      { timeoutMs: 25_000, intervalMs: 100 },
    );
    expect(summary).toMatchObject({
      communityId: node.id,
      name: '关口场社区',
      kind: 'community',
      ancestorNames: ['成都市', '彭州市', '丹景山镇'],
    });

    const children = await api(`/v1/org/nodes/${town.id}/children?limit=200`, streetOp);
    const page = (await children.json()) as { items: Array<{ name: string }>; nextCursor: string | null };
    expect(page.items.map((c) => c.name)).toContain('关口场社区');
  });

  it('a street operator gets 404 (not 403, not the data) when creating outside their own street', async () => {
    const admin = await passwordToken(p.urls.tokenEndpoint, 'city.admin');
    const elsewhere = await nodeByCode('510108007000', admin); // 二仙桥街道, 成华区: outside 丹景山镇
    const hidden = await api('/v1/org/nodes?code=510108007000', streetOp);
    expect(((await hidden.json()) as { items: unknown[] }).items).toEqual([]);
    const res = await api('/v1/org/nodes', streetOp, {
      method: 'POST',
      body: JSON.stringify({ parentId: elsewhere.id, kind: 'community', name: '越界社区' }),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it("the district app's client-credentials token has city-wide rights", async () => {
    const app = await clientToken(p.urls.tokenEndpoint, 'linli-demo-city-app', 'linli-demo-city-app-secret');
    const street = await nodeByCode('510108007000', app);
    const res = await api('/v1/org/nodes', app, {
      method: 'POST',
      body: JSON.stringify({ parentId: street.id, kind: 'community', name: '二仙桥新社区' }),
    });
    expect(res.status).toBe(201);
  });

  it('unknown node → 404 problem+json; malformed input → 400 problem+json; no token → 401', async () => {
    const unknown = await api('/v1/org/nodes/0191a000-0000-7000-8000-00000000dead', streetOp);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404, code: 'NODE_NOT_FOUND' });
    const malformed = await api('/v1/org/nodes', streetOp, { method: 'POST', body: '{"parentId":' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const anonymous = await fetch(`${p.urls.gateway}/v1/org/nodes?code=510182107000`);
    expect(anonymous.status).toBe(401);
  });

  it('every process serves health and Prometheus metrics', async () => {
    for (const base of [p.urls.gateway, p.urls.org, p.urls.governance]) {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('process_resident_memory_bytes');
    }
    const org = await (await fetch(`${p.urls.org}/metrics`)).text();
    expect(org).toMatch(
      /linli_rpc_server_duration_seconds_count\{subject="e2e[a-f0-9]+\.rpc\.org\.v1\.register_node",outcome="ok"\}/,
    );
    expect(org).toContain('linli_outbox_published_total');
  });

  it('logs are JSON lines with no tokens or passwords in them', () => {
    const lines = p.logs.filter((l) => /^\[(org|governance|gateway)\] \{/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) JSON.parse(l.slice(l.indexOf('{')));
    expect(p.logs.join('\n')).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.|password=demo|linli-demo-city-app-secret/);
  });

  it('one trace runs from the gateway over NATS into org and its PostgreSQL queries', async () => {
    const town = await nodeByCode('510182107000', streetOp);
    const res = await api('/v1/org/nodes', streetOp, {
      method: 'POST',
      body: JSON.stringify({ parentId: town.id, kind: 'community', name: '追踪社区' }),
    });
    expect(res.status).toBe(201);
    const trace = await expectEventually(
      () => {
        const server = collector.spans.find(
          (s) => s.service === 'linli-org' && s.name.endsWith('rpc.org.v1.register_node process'),
        );
        expect(server).toBeDefined();
        const inTrace = collector.spans.filter((s) => s.traceId === server!.traceId);
        expect(inTrace.some((s) => s.service === 'linli-gateway' && /^POST/.test(s.name))).toBe(true);
        expect(
          inTrace.some((s) => s.service === 'linli-org' && /^(pg\.query|INSERT|SELECT)/.test(s.name)),
        ).toBe(true);
        return inTrace;
      },
      { timeoutMs: 25_000, intervalMs: 200 },
    );
    const send = trace.find((s) => s.service === 'linli-gateway' && s.name.endsWith('register_node send'))!;
    const process_ = trace.find(
      (s) => s.service === 'linli-org' && s.name.endsWith('register_node process'),
    )!;
    expect(process_.parentSpanId).toBe(send.spanId);
    // No personal data or token in span names.
    expect(JSON.stringify(trace)).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });

  it('a district app uploads a households file: 202 with a status resource, then the report', async () => {
    const csv = (rows: string[]) =>
      ['community_code,compound,building,household,name,id_number,mobile,relation', ...rows].join('\n');
    const upload = (body: string) =>
      fetch(`${p.urls.gateway}/v1/org/imports/households?fileName=households.csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${streetOp}`, 'content-type': 'text/csv' },
        body,
      });
    const poll = async (location: string) =>
      expectEventually(
        async () => {
          const res = await fetch(`${p.urls.gateway}${location}`, {
            headers: { authorization: `Bearer ${streetOp}` },
          });
          const job = (await res.json()) as {
            status: string;
            errors: Array<{ line: number; field: string }>;
            imported: number;
          };
          expect(['completed', 'rejected', 'failed']).toContain(job.status);
          return job;
        },
        { timeoutMs: 25_000, intervalMs: 200 },
      );
    // 下涧槽社区 (成华区) is outside the street operator's 丹景山镇: to them it does not exist.
    const outside = await upload(
      csv([`510108007003,某小区,,1-1,赵一,${composeResidentId('510108', '1980-01-01', 901)},,head`]),
    );
    expect(outside.status).toBe(202);
    const rejected = await poll(outside.headers.get('location')!);
    expect(rejected.status).toBe('rejected');
    expect(rejected.errors.map((e) => [e.line, e.field])).toEqual([[2, 'community_code']]);

    const good = await upload(
      csv([
        `510182107001,关口新村,,5-1,钱二,${composeResidentId('510182', '1975-05-05', 902)},13900000002,head`,
        `510182107001,关口新村,,5-1,孙三,${composeResidentId('510182', '1977-07-07', 903)},,spouse`,
      ]),
    );
    expect(good.status).toBe(202);
    const location = good.headers.get('location')!;
    expect(location).toMatch(/^\/v1\/org\/imports\/[0-9a-f-]{36}$/);
    const done = await poll(location);
    expect(done).toMatchObject({ status: 'completed', imported: 2 });
    const guankou = await nodeByCode('510182107001', streetOp);
    const households = (await (await api(`/v1/org/nodes/${guankou.id}/households`, streetOp)).json()) as {
      items: Array<{ id: string; label: string; members: Array<{ resident: { idNumber: string } }> }>;
    };
    const imported = households.items.find((h) => h.label === '5-1')!;
    expect(imported.members).toHaveLength(2);
    expect(imported.members[0].resident.idNumber).toMatch(/\*{8}/);
    // Governance learns of the batch from evt.org.v1.households_imported (outbox → JetStream → its
    // projection), without calling org: the household, where it lives, and both adults.
    const governanceDb = new pg.Client({ connectionString: p.databaseUrls.governance });
    await governanceDb.connect();
    try {
      await expectEventually(async () => {
        const { rows } = await governanceDb.query(
          `SELECT h.node_id, count(r.*)::int AS residents, count(*) FILTER (WHERE r.head)::int AS heads
             FROM org_households h JOIN org_residents r USING (household_id)
            WHERE h.household_id = $1 GROUP BY h.node_id`,
          [imported.id],
        );
        expect(rows).toEqual([{ node_id: expect.any(String), residents: 2, heads: 1 }]);
      });
    } finally {
      await governanceDb.end();
    }
    // The job is its starter's alone.
    const other = await passwordToken(p.urls.tokenEndpoint, 'community.operator');
    expect((await api(location, other)).status).toBe(404);
  });

  it('SIGTERM drains every process and each exits 0 (graceful shutdown)', async () => {
    stopped = true;
    const codes = await p.teardown();
    expect(codes).toEqual({ gateway: 0, governance: 0, org: 0, 'dev-idp': 0 });
    expect(p.logs.some((l) => l.startsWith('[org]') && l.includes('"msg":"stopped"'))).toBe(true);
  });
});
