import { composeResidentId } from '@linli/privacy';
import { bootPlatform, passwordToken, type E2EPlatform } from './support.js';

/**
 * Broken-object-level-authorization matrix: every org route × {same subtree, sibling community, other
 * district, resident, anonymous}. The community operator of 下涧槽社区 (成华区 二仙桥街道) is the actor; targets
 * are compounds under 下涧槽社区 (same subtree), 东路社区 (sibling) and 关口社区 in 彭州市 (other district).
 * Outside the subtree the answer is 404 (a filtered collection is simply empty), never 403 and never the data.
 */
describe('e2e: BOLA matrix over every org route', () => {
  let p: E2EPlatform;
  const tokens: Record<string, string> = {};
  const compound: Record<
    'same' | 'sibling' | 'far',
    { id: string; name: string; communityId: string; code: string }
  > = {} as never;
  const assignment: Record<string, string> = {};
  const household: Record<string, { id: string; residentId: string }> = {};
  const organisation: Record<string, string> = {};
  const membership: Record<string, string> = {};
  const dwelling: Record<string, string> = {};
  let idSequence = 1;
  const newIdNumber = () => composeResidentId('510108', '1980-05-0' + ((idSequence % 9) + 1), idSequence++);

  const api = (path: string, token: string | undefined, init: RequestInit = {}) =>
    fetch(`${p.urls.gateway}${path}`, {
      ...init,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    });

  beforeAll(async () => {
    p = await bootPlatform();
    tokens.admin = await passwordToken(p.urls.tokenEndpoint, 'city.admin');
    tokens.community = await passwordToken(p.urls.tokenEndpoint, 'community.operator');
    tokens.resident = await passwordToken(p.urls.tokenEndpoint, 'resident.zhang');
    const targets = { same: '510108007003', sibling: '510108007002', far: '510182107001' } as const;
    for (const [key, code] of Object.entries(targets) as Array<[keyof typeof targets, string]>) {
      const found = (await (await api(`/v1/org/nodes?code=${code}`, tokens.admin)).json()) as {
        items: Array<{ id: string }>;
      };
      const name = `矩阵${key}小区`;
      const res = await api('/v1/org/nodes', tokens.admin, {
        method: 'POST',
        body: JSON.stringify({ parentId: found.items[0].id, kind: 'compound', name }),
      });
      const created = (await res.json()) as { id: string };
      compound[key] = { id: created.id, name, communityId: found.items[0].id, code };
      const grant = await api('/v1/org/role-assignments', tokens.admin, {
        method: 'POST',
        body: JSON.stringify({ subject: `manager-${key}`, role: 'compound_manager', nodeId: created.id }),
      });
      assignment[key] = ((await grant.json()) as { id: string }).id;
      const h = (await (
        await api(`/v1/org/nodes/${created.id}/households`, tokens.admin, {
          method: 'POST',
          body: JSON.stringify({ label: `${key}-101` }),
        })
      ).json()) as { id: string };
      const withHead = (await (
        await api(`/v1/org/households/${h.id}/members`, tokens.admin, {
          method: 'POST',
          body: JSON.stringify({ resident: { name: '测试户主', idNumber: newIdNumber() }, relation: 'head' }),
        })
      ).json()) as { members: Array<{ resident: { id: string } }> };
      household[key] = { id: h.id, residentId: withHead.members[0].resident.id };
      const org = (await (
        await api(`/v1/org/nodes/${created.id}/organisations`, tokens.admin, {
          method: 'POST',
          body: JSON.stringify({ type: 'owners_committee', name: `${key}业主委员会` }),
        })
      ).json()) as { id: string };
      organisation[key] = org.id;
      const appointed = (await (
        await api(`/v1/org/organisations/${org.id}/memberships`, tokens.admin, {
          method: 'POST',
          body: JSON.stringify({
            residentId: household[key].residentId,
            position: '主任',
            termStart: '2026-01-01',
          }),
        })
      ).json()) as { id: string };
      membership[key] = appointed.id;
      const unit = (await (
        await api(`/v1/org/nodes/${created.id}/dwellings`, tokens.admin, {
          method: 'POST',
          body: JSON.stringify({ label: '1-101', exclusiveArea: '89.50', areaSource: 'register' }),
        })
      ).json()) as { id: string };
      dwelling[key] = unit.id;
    }
  }, 120_000);

  afterAll(async () => {
    await p?.teardown();
  }, 60_000);

  type Target = (typeof compound)['same'];
  interface Route {
    name: string;
    call: (t: Target, token: string | undefined, key: 'same' | 'sibling' | 'far') => Promise<Response>;
    ok: number;
    /** How "outside your subtree" looks: 404, or an empty collection (200 with no items). */
    denied: 'not-found' | 'empty';
  }

  const routes: Route[] = [
    {
      name: 'GET /v1/org/nodes/{id}',
      call: (t, k) => api(`/v1/org/nodes/${t.id}`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/nodes/{id}/children',
      call: (t, k) => api(`/v1/org/nodes/${t.id}/children`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/nodes/{id}/path',
      call: (t, k) => api(`/v1/org/nodes/${t.id}/path`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/nodes/{id}/subtree',
      call: (t, k) => api(`/v1/org/nodes/${t.communityId}/subtree`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/nodes/{id}/counts',
      call: (t, k) => api(`/v1/org/nodes/${t.communityId}/counts`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/nodes?code=',
      call: (t, k) => api(`/v1/org/nodes?code=${t.code}`, k),
      ok: 200,
      denied: 'empty',
    },
    {
      name: 'GET /v1/org/nodes/search?q=',
      call: (t, k) => api(`/v1/org/nodes/search?q=${encodeURIComponent(t.name)}`, k),
      ok: 200,
      denied: 'empty',
    },
    {
      name: 'GET /v1/org/nodes/{id}/role-assignments',
      call: (t, k) => api(`/v1/org/nodes/${t.id}/role-assignments`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/nodes',
      call: (t, k, key) =>
        api('/v1/org/nodes', k, {
          method: 'POST',
          body: JSON.stringify({ parentId: t.id, kind: 'building', name: `${key}-1栋` }),
        }),
      ok: 201,
      denied: 'not-found',
    },
    {
      name: 'PATCH /v1/org/nodes/{id}',
      call: (t, k) =>
        api(`/v1/org/nodes/${t.id}`, k, { method: 'PATCH', body: JSON.stringify({ name: t.name }) }),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/nodes/{id}/move',
      call: (t, k) =>
        api(`/v1/org/nodes/${t.id}/move`, k, {
          method: 'POST',
          body: JSON.stringify({ newParentId: t.communityId }),
        }),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/role-assignments',
      call: (t, k, key) =>
        api('/v1/org/role-assignments', k, {
          method: 'POST',
          body: JSON.stringify({ subject: `auditor-${key}-${Math.random()}`, role: 'auditor', nodeId: t.id }),
        }),
      ok: 201,
      denied: 'not-found',
    },
    {
      name: 'DELETE /v1/org/role-assignments/{id}',
      call: (_t, k, key) => api(`/v1/org/role-assignments/${assignment[key]}`, k, { method: 'DELETE' }),
      ok: 204,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/nodes/{id}/households',
      call: (t, k, key) =>
        api(`/v1/org/nodes/${t.id}/households`, k, {
          method: 'POST',
          body: JSON.stringify({ label: `${key}-${Math.random()}` }),
        }),
      ok: 201,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/nodes/{id}/households',
      call: (t, k) => api(`/v1/org/nodes/${t.id}/households`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/households/{id}',
      call: (_t, k, key) => api(`/v1/org/households/${household[key].id}`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/households/{id}/members',
      call: (_t, k, key) =>
        api(`/v1/org/households/${household[key].id}/members`, k, {
          method: 'POST',
          body: JSON.stringify({
            resident: { name: '测试成员', idNumber: newIdNumber() },
            relation: 'other',
          }),
        }),
      ok: 201,
      denied: 'not-found',
    },
    {
      name: 'PUT /v1/org/households/{id}/representative',
      call: (_t, k, key) =>
        api(`/v1/org/households/${household[key].id}/representative`, k, {
          method: 'PUT',
          body: JSON.stringify({ residentId: household[key].residentId }),
        }),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/households/{id}/move',
      call: (t, k, key) =>
        api(`/v1/org/households/${household[key].id}/move`, k, {
          method: 'POST',
          body: JSON.stringify({ nodeId: t.id }),
        }),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/residents/{id}',
      call: (_t, k, key) => api(`/v1/org/residents/${household[key].residentId}`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      // Streets only, and a street lies above a community operator's subtree: every column answers 404 (or 401);
      // the allowed case (a city administrator) is proven in services/org/test/tree.int-spec.ts.
      name: 'PUT /v1/org/nodes/{id}/managing-authority',
      call: async (t, k) => {
        const path = (await (await api(`/v1/org/nodes/${t.communityId}/path`, tokens.admin)).json()) as {
          items: Array<{ id: string; kind: string }>;
        };
        const street = path.items.find((n) => ['street', 'town', 'township'].includes(n.kind))!;
        return api(`/v1/org/nodes/${street.id}/managing-authority`, k, {
          method: 'PUT',
          body: JSON.stringify({ authorityNodeId: null, reason: 'test' }),
        });
      },
      ok: 404,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/nodes/{id}/dwellings',
      call: (t, k, key) =>
        api(`/v1/org/nodes/${t.id}/dwellings`, k, {
          method: 'POST',
          body: JSON.stringify({
            label: `${key}-${Math.random()}`,
            exclusiveArea: '60',
            areaSource: 'survey',
          }),
        }),
      ok: 201,
      denied: 'not-found',
    },
    {
      name: 'PUT /v1/org/dwellings/{id}/owners',
      call: (_t, k, key) =>
        api(`/v1/org/dwellings/${dwelling[key]}/owners`, k, {
          method: 'PUT',
          body: JSON.stringify({ ownerResidentIds: [household[key].residentId] }),
        }),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/nodes/{id}/owners-roll',
      call: (t, k) => api(`/v1/org/nodes/${t.id}/owners-roll`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/nodes/{id}/organisations',
      call: (t, k, key) =>
        api(`/v1/org/nodes/${t.id}/organisations`, k, {
          method: 'POST',
          body: JSON.stringify({ type: 'party_organisation', name: `${key}党小组${Math.random()}` }),
        }),
      ok: 201,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/nodes/{id}/organisations',
      call: (t, k) => api(`/v1/org/nodes/${t.id}/organisations`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'GET /v1/org/organisations/{id}',
      call: (_t, k, key) => api(`/v1/org/organisations/${organisation[key]}`, k),
      ok: 200,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/memberships/{id}/end',
      call: (_t, k, key) =>
        api(`/v1/org/memberships/${membership[key]}/end`, k, {
          method: 'POST',
          body: JSON.stringify({ reason: 'test' }),
        }),
      ok: 204,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/organisations/{id}/memberships',
      call: (_t, k, key) =>
        api(`/v1/org/organisations/${organisation[key]}/memberships`, k, {
          method: 'POST',
          body: JSON.stringify({
            residentId: household[key].residentId,
            position: '委员',
            termStart: '2027-01-01',
          }),
        }),
      ok: 201,
      denied: 'not-found',
    },
    {
      name: 'POST /v1/org/nodes/{id}/retire',
      call: async (t, k, key) => {
        // A compound with a building cannot be retired; retire the building the POST above added.
        const children = (await (await api(`/v1/org/nodes/${t.id}/children`, tokens.admin)).json()) as {
          items: Array<{ id: string; name: string }>;
        };
        const building = children.items.find((c) => c.name === `${key}-1栋`) ?? { id: t.id };
        return api(`/v1/org/nodes/${building.id}/retire`, k, {
          method: 'POST',
          body: JSON.stringify({ reason: 'test' }),
        });
      },
      ok: 204,
      denied: 'not-found',
    },
  ];

  const columns = [
    { column: 'sibling community', target: 'sibling', token: () => tokens.community },
    { column: 'other district', target: 'far', token: () => tokens.community },
    { column: 'resident', target: 'same', token: () => tokens.resident },
    { column: 'anonymous', target: 'same', token: () => undefined },
    { column: 'same subtree', target: 'same', token: () => tokens.community },
  ] as const;

  describe.each(routes)('$name', (route) => {
    it.each(columns)('$column', async ({ column, target, token }) => {
      const res = await route.call(compound[target], token(), target);
      const body = (res.status === 204 ? undefined : await res.json()) as
        { items?: unknown[]; status?: number } | undefined;
      if (column === 'anonymous') {
        expect(res.status).toBe(401);
      } else if (column === 'same subtree') {
        expect([res.status, body]).toEqual([route.ok, body]);
      } else if (route.denied === 'empty') {
        expect(res.status).toBe(200);
        expect(body?.items).toEqual([]);
      } else {
        expect([res.status, body?.status]).toEqual([404, 404]);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(JSON.stringify(body)).not.toContain(compound[target].name);
      }
    });
  });
});
