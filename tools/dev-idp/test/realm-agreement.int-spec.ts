// The dev identity provider must serve what deploy/keycloak/linli-realm.json declares. This test reads
// the realm export on its own (it does not use the provider's realm model) and checks, over HTTP, the
// clients (ids, grant types, public/confidential, redirect URIs), the realm roles and the token claims.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

import { startDevIdp, type DevIdp } from '../src/index.js';
import { Browser, locationOf, pkcePair } from './http-browser.js';

interface ExportedRole {
  name: string;
  description?: string;
  composites?: { realm?: string[]; client?: Record<string, string[]> };
}
interface ExportedMapper {
  protocolMapper: string;
  config?: Record<string, string>;
}
interface ExportedClient {
  clientId: string;
  enabled?: boolean;
  bearerOnly?: boolean;
  publicClient?: boolean;
  secret?: string;
  standardFlowEnabled?: boolean;
  implicitFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean;
  serviceAccountsEnabled?: boolean;
  fullScopeAllowed?: boolean;
  redirectUris?: string[];
  webOrigins?: string[];
  attributes?: Record<string, string>;
  protocolMappers?: ExportedMapper[];
  defaultClientScopes?: string[];
}
interface ExportedUser {
  id: string;
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled?: boolean;
  attributes?: Record<string, string[]>;
  credentials?: Array<{ type: string; value?: string }>;
  realmRoles?: string[];
  clientRoles?: Record<string, string[]>;
  serviceAccountClientId?: string;
}
interface ExportedRealm {
  realm: string;
  accessTokenLifespan: number;
  roles: { realm: ExportedRole[]; client: Record<string, ExportedRole[]> };
  defaultRole: { name: string };
  users: ExportedUser[];
  clients: ExportedClient[];
}

const REALM_FILE = fileURLToPath(new URL('../../../deploy/keycloak/linli-realm.json', import.meta.url));
const realm = JSON.parse(readFileSync(REALM_FILE, 'utf8')) as ExportedRealm;

/** The Linli clients the platform relies on (Keycloak's own account clients are left to Keycloak). */
const linliClients = realm.clients.filter((client) => client.clientId.startsWith('linli-'));
const clientById = (clientId: string): ExportedClient => {
  const client = realm.clients.find((candidate) => candidate.clientId === clientId);
  if (client === undefined) throw new Error(`no client ${clientId}`);
  return client;
};

/** Composite expansion over "realm:<name>" and "<client>:<name>" keys, straight from the export. */
function expandRoles(
  realmRoles: string[],
  clientRoles: Record<string, string[]>,
): { realm: Set<string>; clients: Map<string, Set<string>> } {
  const seen = new Set<string>();
  const definition = (key: string): ExportedRole | undefined => {
    const [owner, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    return owner === 'realm'
      ? realm.roles.realm.find((role) => role.name === name)
      : realm.roles.client[owner]?.find((role) => role.name === name);
  };
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    const role = definition(key);
    if (role === undefined) throw new Error(`the export refers to the unknown role ${key}`);
    seen.add(key);
    for (const name of role.composites?.realm ?? []) visit(`realm:${name}`);
    for (const [owner, names] of Object.entries(role.composites?.client ?? {}))
      for (const name of names) visit(`${owner}:${name}`);
  };
  for (const name of realmRoles) visit(`realm:${name}`);
  for (const [owner, names] of Object.entries(clientRoles))
    for (const name of names) visit(`${owner}:${name}`);
  const result = { realm: new Set<string>(), clients: new Map<string, Set<string>>() };
  for (const key of seen) {
    const [owner, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (owner === 'realm') result.realm.add(name);
    else result.clients.set(owner, new Set([...(result.clients.get(owner) ?? []), name]));
  }
  return result;
}

/** What Keycloak puts into an access token for `user` obtained by `client` (full-scope clients). */
function expectedClaims(user: ExportedUser, client: ExportedClient) {
  const roles = expandRoles(user.realmRoles ?? [], user.clientRoles ?? {});
  const mapperAudiences = (client.protocolMappers ?? [])
    .filter(
      (mapper) =>
        mapper.protocolMapper === 'oidc-audience-mapper' && mapper.config?.['access.token.claim'] === 'true',
    )
    .map((mapper) => mapper.config?.['included.client.audience'] ?? '');
  const resolvedAudiences = [...roles.clients.keys()].filter((clientId) => clientId !== client.clientId);
  return {
    sub: user.id,
    preferred_username: user.username,
    azp: client.clientId,
    typ: 'Bearer',
    realmRoles: [...roles.realm].sort(),
    resourceAccess: Object.fromEntries(
      [...roles.clients].map(([clientId, names]) => [clientId, [...names].sort()]),
    ),
    aud: [...new Set([...mapperAudiences, ...resolvedAudiences])].sort(),
  };
}

function actualClaims(claims: JWTPayload) {
  const resourceAccess = (claims['resource_access'] ?? {}) as Record<string, { roles: string[] }>;
  return {
    sub: claims.sub,
    preferred_username: claims['preferred_username'],
    azp: claims['azp'],
    typ: claims['typ'],
    realmRoles: [...((claims['realm_access'] as { roles: string[] } | undefined)?.roles ?? [])].sort(),
    resourceAccess: Object.fromEntries(
      Object.entries(resourceAccess).map(([clientId, access]) => [clientId, [...access.roles].sort()]),
    ),
    aud: (Array.isArray(claims.aud) ? [...claims.aud] : [claims.aud]).sort(),
  };
}

/** A concrete URL matched by a Keycloak redirect URI pattern. */
const concrete = (pattern: string): string =>
  pattern.endsWith('*') ? `${pattern.slice(0, -1)}callback` : pattern;

describe('agreement between the dev identity provider and deploy/keycloak/linli-realm.json', () => {
  let idp: DevIdp;
  let verify: (token: string) => Promise<JWTPayload>;

  const token = async (fields: Record<string, string>) => {
    const response = await fetch(idp.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    return {
      status: response.status,
      body: (await response.json()) as { access_token?: string; error?: string },
    };
  };
  const clientAuth = (client: ExportedClient): Record<string, string> => ({
    client_id: client.clientId,
    ...(client.publicClient === true ? {} : { client_secret: String(client.secret) }),
  });
  const demoUsers = realm.users.filter((user) => user.serviceAccountClientId === undefined);

  beforeAll(async () => {
    idp = await startDevIdp({ realmFile: REALM_FILE });
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri));
    verify = async (value) => (await jwtVerify(value, jwks, { issuer: idp.issuer })).payload;
  });

  afterAll(async () => {
    await idp.close();
  });

  it('the export declares what the platform needs', () => {
    expect(realm.realm).toBe('linli');
    expect(realm.accessTokenLifespan).toBe(300);
    const realmRoles = realm.roles.realm.map((role) => role.name);
    expect(realmRoles).toEqual(
      expect.arrayContaining([
        'platform-admin',
        'operator',
        'resident',
        'app-client',
        realm.defaultRole.name,
      ]),
    );
    for (const name of ['platform-admin', 'operator', 'resident', 'app-client']) {
      expect(realm.roles.realm.find((role) => role.name === name)?.description).toEqual(expect.any(String));
    }
    expect(linliClients.map((client) => client.clientId).sort()).toEqual([
      'linli-api',
      'linli-console',
      'linli-demo-city-app',
    ]);
    for (const client of linliClients.filter((candidate) => candidate.bearerOnly !== true)) {
      // The oracle below assumes full-scope clients.
      expect({ clientId: client.clientId, fullScopeAllowed: client.fullScopeAllowed }).toEqual({
        clientId: client.clientId,
        fullScopeAllowed: true,
      });
      expect(client.protocolMappers).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            protocolMapper: 'oidc-audience-mapper',
            config: expect.objectContaining({
              'included.client.audience': 'linli-api',
              'access.token.claim': 'true',
            }),
          }),
        ]),
      );
    }
    for (const user of demoUsers) {
      expect(user.credentials).toEqual([expect.objectContaining({ type: 'password', value: 'demo' })]);
      // Operators document where they operate (the org service seeds scoped assignments from it); residents don't.
      const scope = user.attributes?.['linli_scope_code'];
      if (user.realmRoles?.includes('operator')) expect(scope).toEqual([expect.stringMatching(/^\d{12}$/)]);
      else expect(scope).toBeUndefined();
    }
  });

  describe.each(linliClients)('client $clientId', (client) => {
    const issues = client.enabled !== false && client.bearerOnly !== true;
    const grants = {
      password: issues && client.directAccessGrantsEnabled === true,
      client_credentials: issues && client.serviceAccountsEnabled === true && client.publicClient !== true,
      authorization_code: issues && client.standardFlowEnabled === true,
    };

    it('allows exactly the grant types of the export', async () => {
      const someUser = demoUsers[0];
      if (someUser === undefined) throw new Error('the export has no demo user');
      const password = await token({
        grant_type: 'password',
        username: someUser.username,
        password: 'demo',
        ...clientAuth(client),
      });
      const credentials = await token({ grant_type: 'client_credentials', ...clientAuth(client) });
      const outcome = (status: number) => (status === 200 ? 'allowed' : 'refused');
      expect({ password: outcome(password.status), client_credentials: outcome(credentials.status) }).toEqual(
        {
          password: grants.password ? 'allowed' : 'refused',
          client_credentials: grants.client_credentials ? 'allowed' : 'refused',
        },
      );
      if (!issues) {
        // Bearer-only: Keycloak knows no token flows for it; the provider does not know it as a client.
        expect([password.body.error, credentials.body.error]).toEqual(['invalid_client', 'invalid_client']);
      }
    });

    it('is public or confidential as in the export', async () => {
      const withoutSecret = await token({
        grant_type: grants.password ? 'password' : 'client_credentials',
        client_id: client.clientId,
        username: 'city.admin',
        password: 'demo',
      });
      if (!issues) {
        expect(withoutSecret.status).toBe(401);
      } else if (client.publicClient === true) {
        expect(withoutSecret.status).toBe(200);
      } else {
        expect({ status: withoutSecret.status, error: withoutSecret.body.error }).toEqual({
          status: 401,
          error: 'invalid_client',
        });
      }
    });

    it('redirects only to the redirect URIs of the export', async () => {
      const authorize = (redirectUri: string) =>
        new Browser().get(
          `${idp.issuer}/protocol/openid-connect/auth?${new URLSearchParams({
            client_id: client.clientId,
            response_type: 'code',
            scope: 'openid',
            redirect_uri: redirectUri,
            code_challenge: pkcePair().challenge,
            code_challenge_method: 'S256',
          }).toString()}`,
        );
      const registered = client.redirectUris ?? [];
      expect(registered.length > 0).toBe(grants.authorization_code);
      for (const pattern of registered) {
        const response = await authorize(concrete(pattern));
        expect({ pattern, status: response.status }).toEqual({ pattern, status: 303 });
        expect(locationOf(response, idp.issuer).startsWith(`${idp.issuer}/login-actions/authenticate?`)).toBe(
          true,
        );
      }
      const stranger = await authorize('http://stranger.example/callback');
      expect(stranger.status).toBe(400);
      expect(stranger.headers.get('location')).toBeNull();
    });
  });

  it('the console requires PKCE with S256 as its attribute says', () => {
    expect(clientById('linli-console').attributes?.['pkce.code.challenge.method']).toBe('S256');
  });

  it.each(demoUsers)(
    'user $username gets the claims the export implies, through linli-console',
    async (user) => {
      const client = clientById('linli-console');
      const { status, body } = await token({
        grant_type: 'password',
        username: user.username,
        password: 'demo',
        client_id: client.clientId,
      });
      expect(status).toBe(200);
      const claims = await verify(String(body.access_token));
      expect(actualClaims(claims)).toEqual(expectedClaims(user, client));
      expect(claims.aud).toEqual(expect.arrayContaining(['linli-api']));
      expect(typeof claims['sid']).toBe('string');
      expect(claims['email']).toBe(user.email);
      expect(claims['given_name']).toBe(user.firstName);
      expect(claims['family_name']).toBe(user.lastName);
      // Where an operator acts is documentation in the export, never a token claim.
      expect(JSON.stringify(claims)).not.toContain('linli_scope');
      const scopeCode = user.attributes?.['linli_scope_code']?.[0];
      if (scopeCode !== undefined) expect(JSON.stringify(claims)).not.toContain(scopeCode);
    },
  );

  it('the demo city app service account gets the claims the export implies', async () => {
    const client = clientById('linli-demo-city-app');
    const serviceAccount = realm.users.find((user) => user.serviceAccountClientId === client.clientId);
    if (serviceAccount === undefined) {
      throw new Error('the export has no service account for the demo city app');
    }
    expect(serviceAccount).toMatchObject({
      id: '0191a000-0000-7000-8000-000000000010',
      username: 'service-account-linli-demo-city-app',
    });
    const { status, body } = await token({ grant_type: 'client_credentials', ...clientAuth(client) });
    expect(status).toBe(200);
    const claims = await verify(String(body.access_token));
    expect(actualClaims(claims)).toEqual(expectedClaims(serviceAccount, client));
    expect(claims['client_id']).toBe(client.clientId);
    expect(claims['sid']).toBeUndefined();
    expect(JSON.stringify(claims)).not.toContain('linli_scope');
    expect(claims.exp! - claims.iat!).toBe(realm.accessTokenLifespan);
  });

  it('every realm role in any token is a realm role of the export', async () => {
    const known = new Set(realm.roles.realm.map((role) => role.name));
    const seen = new Set<string>();
    for (const user of demoUsers) {
      const claims = await verify(await idp.passwordToken(user.username));
      for (const role of (claims['realm_access'] as { roles: string[] }).roles) seen.add(role);
    }
    expect([...seen].filter((role) => !known.has(role))).toEqual([]);
    expect([...seen].sort()).toEqual(
      [...new Set(demoUsers.flatMap((user) => [...expandRoles(user.realmRoles ?? [], {}).realm]))].sort(),
    );
  });
});
