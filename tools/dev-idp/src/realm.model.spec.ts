import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { DEFAULT_REALM_FILE } from './dev-idp.server.js';
import { loadRealm, Realm, RealmFileError, type RealmClient, type RealmUser } from './realm.model.js';
import type { ClientRepresentation, RealmRepresentation } from './realm.types.js';

function realmWith(overrides: Partial<RealmRepresentation>): RealmRepresentation {
  return {
    realm: 'test',
    roles: {
      realm: [
        {
          name: 'default-roles-test',
          composite: true,
          composites: { realm: ['offline_access'], client: { account: ['manage-account'] } },
        },
        { name: 'offline_access' },
        { name: 'operator', composite: true, composites: { realm: ['viewer'] } },
        { name: 'viewer' },
      ],
      client: {
        account: [
          {
            name: 'manage-account',
            composite: true,
            composites: { client: { account: ['manage-account-links'] } },
          },
          { name: 'manage-account-links' },
        ],
      },
    },
    clientScopes: [
      { name: 'profile', protocol: 'openid-connect', attributes: { 'include.in.token.scope': 'true' } },
      { name: 'roles', protocol: 'openid-connect', attributes: { 'include.in.token.scope': 'false' } },
      { name: 'offline_access', protocol: 'openid-connect' },
      { name: 'phone', protocol: 'openid-connect', attributes: { 'include.in.token.scope': 'true' } },
    ],
    scopeMappings: [{ clientScope: 'offline_access', roles: ['offline_access'] }],
    clients: [
      {
        clientId: 'web',
        publicClient: true,
        redirectUris: ['http://app.example/*'],
        webOrigins: ['+'],
        defaultClientScopes: ['profile', 'roles'],
        optionalClientScopes: ['offline_access', 'phone'],
      },
      {
        clientId: 'account',
        publicClient: true,
        rootUrl: '${authBaseUrl}',
        redirectUris: ['/realms/test/account/*'],
      },
    ],
    users: [
      {
        id: 'u-1',
        username: 'Alice',
        email: 'alice@example.test',
        credentials: [{ type: 'password', value: 's3cret' }],
        realmRoles: ['default-roles-test', 'operator'],
      },
      { id: 'sa-1', username: 'service-account-web', serviceAccountClientId: 'web', realmRoles: ['viewer'] },
    ],
    ...overrides,
  };
}

function clientOf(realm: Realm, clientId: string): RealmClient {
  const client = realm.client(clientId);
  if (client === undefined) throw new Error(`no client ${clientId}`);
  return client;
}

function userOf(realm: Realm, id: string): RealmUser {
  const user = realm.userById(id);
  if (user === undefined) throw new Error(`no user ${id}`);
  return user;
}

describe('Realm', () => {
  it('expands composite realm and client roles the way Keycloak does', () => {
    const realm = new Realm(realmWith({}));
    const roles = realm.tokenRoles(userOf(realm, 'u-1'), clientOf(realm, 'web'), []);
    expect([...roles.realm].sort()).toEqual(['default-roles-test', 'offline_access', 'operator', 'viewer']);
    expect(Object.fromEntries([...roles.clients].map(([id, names]) => [id, [...names].sort()]))).toEqual({
      account: ['manage-account', 'manage-account-links'],
    });
  });

  it('limits roles to the scope mappings of clients without full scope', () => {
    const realm = new Realm(
      realmWith({
        clients: [
          {
            clientId: 'narrow',
            publicClient: true,
            fullScopeAllowed: false,
            optionalClientScopes: ['offline_access'],
          },
        ],
        scopeMappings: [
          { client: 'narrow', roles: ['viewer'] },
          { clientScope: 'offline_access', roles: ['offline_access'] },
        ],
        clientScopeMappings: { account: [{ client: 'narrow', roles: ['manage-account'] }] },
        users: [{ id: 'u-1', username: 'alice', realmRoles: ['default-roles-test', 'operator'] }],
      }),
    );
    const user = userOf(realm, 'u-1');
    const client = clientOf(realm, 'narrow');
    const plain = realm.tokenRoles(user, client, realm.resolveClientScopes(client, []).scopes);
    expect(plain.realm).toEqual(['viewer']);
    expect([...(plain.clients.get('account') ?? [])].sort()).toEqual([
      'manage-account',
      'manage-account-links',
    ]);
    const offline = realm.tokenRoles(
      user,
      client,
      realm.resolveClientScopes(client, ['offline_access']).scopes,
    );
    expect([...offline.realm].sort()).toEqual(['offline_access', 'viewer']);
  });

  it('applies Keycloak client defaults and derives grant types', () => {
    const realm = new Realm(
      realmWith({
        clients: [
          { clientId: 'defaults' },
          { clientId: 'api', bearerOnly: true },
          {
            clientId: 'service',
            publicClient: false,
            secret: 'x',
            standardFlowEnabled: false,
            directAccessGrantsEnabled: false,
            serviceAccountsEnabled: true,
          },
          { clientId: 'no-refresh', publicClient: true, attributes: { 'use.refresh.tokens': 'false' } },
          { clientId: 'disabled', publicClient: true, enabled: false },
        ],
        users: [],
      }),
    );
    expect(clientOf(realm, 'defaults')).toMatchObject({
      publicClient: true,
      issuesTokens: true,
      grantTypes: ['authorization_code', 'password', 'refresh_token'],
    });
    expect(clientOf(realm, 'api')).toMatchObject({
      publicClient: false,
      issuesTokens: false,
      grantTypes: [],
    });
    expect(clientOf(realm, 'service')).toMatchObject({
      publicClient: false,
      secret: 'x',
      grantTypes: ['client_credentials'],
    });
    expect(clientOf(realm, 'no-refresh').grantTypes).toEqual(['authorization_code', 'password']);
    expect(clientOf(realm, 'disabled').issuesTokens).toBe(false);
  });

  it('resolves default and requested optional client scopes and the scope claim', () => {
    const realm = new Realm(realmWith({}));
    const web = clientOf(realm, 'web');
    const resolved = realm.resolveClientScopes(web, ['openid', 'phone', 'admin', 'profile']);
    expect(resolved.scopes.map((scope) => scope.name)).toEqual(['profile', 'roles', 'phone']);
    expect(resolved.unknown).toEqual(['admin']);
    expect(realm.scopeClaim(resolved)).toBe('openid profile phone');
    expect(realm.scopeClaim(realm.resolveClientScopes(web, ['offline_access']))).toBe(
      'profile offline_access',
    );
  });

  it('resolves redirect URIs, post-logout URIs and web origins', () => {
    const realm = new Realm(realmWith({}));
    expect(realm.resolvedRedirectUris(clientOf(realm, 'account'), 'http://idp:8080')).toEqual([
      'http://idp:8080/realms/test/account/*',
    ]);
    expect(realm.allowedOrigins(clientOf(realm, 'web'), 'http://idp:8080')).toEqual(['http://app.example']);
    const withPlus = new Realm(
      realmWith({
        clients: [
          {
            clientId: 'web',
            publicClient: true,
            redirectUris: ['http://a.example/*'],
            attributes: { 'post.logout.redirect.uris': '+##http://b.example/bye' },
          },
        ],
        users: [],
      }),
    );
    expect(withPlus.resolvedPostLogoutRedirectUris(clientOf(withPlus, 'web'), 'http://idp')).toEqual([
      'http://a.example/*',
      'http://b.example/bye',
    ]);
  });

  it('finds users by username or email, case-insensitively, and checks passwords', () => {
    const realm = new Realm(realmWith({}));
    const alice = realm.findUserForLogin(' ALICE ');
    expect(alice?.id).toBe('u-1');
    expect(realm.findUserForLogin('Alice@Example.test')?.id).toBe('u-1');
    expect(realm.findUserForLogin('service-account-web')).toBeUndefined();
    expect(realm.serviceAccountOf('web')?.id).toBe('sa-1');
    if (alice === undefined) throw new Error('alice not found');
    expect(realm.verifyPassword(alice, 's3cret')).toBe(true);
    expect(realm.verifyPassword(alice, 's3cre')).toBe(false);
    expect(realm.verifyPassword(userOf(realm, 'sa-1'), '')).toBe(false);
    const noEmail = new Realm(realmWith({ loginWithEmailAllowed: false }));
    expect(noEmail.findUserForLogin('alice@example.test')).toBeUndefined();
  });

  it.each<[string, Partial<RealmRepresentation>, RegExp]>([
    [
      'an unknown composite',
      { roles: { realm: [{ name: 'a', composites: { realm: ['missing'] } }] }, users: [] },
      /unknown realm role "missing"/,
    ],
    [
      'an unknown user role',
      { users: [{ id: 'x', username: 'x', realmRoles: ['missing'] }] },
      /user "x" refers to the unknown realm role/,
    ],
    ['groups', { groups: [{ name: 'g' }] }, /groups are not supported/],
    [
      'a hashed password',
      {
        users: [
          {
            id: 'x',
            username: 'x',
            credentials: [{ type: 'password', secretData: '{}', credentialData: '{}' }],
          },
        ],
      },
      /only plaintext/,
    ],
    ['a user without id', { users: [{ username: 'x' }] }, /needs a fixed "id"/],
    [
      'a duplicate user',
      {
        users: [
          { id: 'a', username: 'x' },
          { id: 'b', username: 'X' },
        ],
      },
      /defined twice/,
    ],
    [
      'consent',
      { clients: [{ clientId: 'c', consentRequired: true }], users: [] },
      /consent screens are not supported/,
    ],
    [
      'the implicit flow',
      { clients: [{ clientId: 'c', implicitFlowEnabled: true }], users: [] },
      /implicit flow/,
    ],
    [
      'a confidential client without secret',
      { clients: [{ clientId: 'c', publicClient: false }], users: [] },
      /needs a "secret"/,
    ],
    [
      'an unsupported mapper',
      {
        clients: [
          {
            clientId: 'c',
            publicClient: true,
            protocolMappers: [{ name: 'js', protocolMapper: 'oidc-script-based-protocol-mapper' }],
          },
        ] as ClientRepresentation[],
        users: [],
      },
      /oidc-script-based-protocol-mapper is not supported/,
    ],
  ])('refuses a realm with %s', (_label, overrides, message) => {
    expect(() => new Realm(realmWith(overrides))).toThrow(RealmFileError);
    expect(() => new Realm(realmWith(overrides))).toThrow(message);
  });

  it('loads the Linli realm export and reports unreadable or invalid files', async () => {
    const realm = await loadRealm(DEFAULT_REALM_FILE);
    expect(realm.name).toBe('linli');
    expect(realm.realmRoleNames()).toEqual(
      expect.arrayContaining(['platform-admin', 'operator', 'resident', 'app-client']),
    );
    const dir = await mkdtemp(join(tmpdir(), 'dev-idp-realm-'));
    try {
      const broken = join(dir, 'broken.json');
      await writeFile(broken, '{ not json');
      await expect(loadRealm(broken)).rejects.toThrow(/not valid JSON/);
      await expect(loadRealm(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the realm file/);
      const list = join(dir, 'list.json');
      await writeFile(list, '[]');
      await expect(loadRealm(list)).rejects.toThrow(/not a realm representation/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
