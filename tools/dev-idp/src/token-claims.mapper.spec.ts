import { describe, expect, it } from '@jest/globals';

import { Realm, type RealmClient, type RealmUser } from './realm.model.js';
import type { ProtocolMapperRepresentation } from './realm.types.js';
import {
  accessTokenClaims,
  idTokenClaims,
  possibleClaimNames,
  userInfoClaims,
  type ClaimsInput,
} from './token-claims.mapper.js';

const ALL = { 'access.token.claim': 'true', 'id.token.claim': 'true', 'userinfo.token.claim': 'true' };

function mapper(
  name: string,
  protocolMapper: string,
  config: Record<string, string>,
): ProtocolMapperRepresentation {
  return { name, protocol: 'openid-connect', protocolMapper, config };
}

function fixture(
  clientMappers: ProtocolMapperRepresentation[],
  scopeMappers: ProtocolMapperRepresentation[],
) {
  const realm = new Realm({
    realm: 'test',
    roles: {
      realm: [{ name: 'operator' }, { name: 'resident' }],
      client: { reports: [{ name: 'read' }], web: [{ name: 'own' }] },
    },
    clientScopes: [
      {
        name: 'main',
        protocol: 'openid-connect',
        attributes: { 'include.in.token.scope': 'true' },
        protocolMappers: scopeMappers,
      },
      { name: 'hidden', protocol: 'openid-connect', attributes: { 'include.in.token.scope': 'false' } },
    ],
    clients: [
      {
        clientId: 'web',
        publicClient: true,
        redirectUris: ['https://web.example/*'],
        webOrigins: ['+', 'https://other.example'],
        protocolMappers: clientMappers,
        defaultClientScopes: ['main', 'hidden'],
      },
    ],
    users: [
      {
        id: 'user-1',
        username: 'zhang',
        firstName: '伟',
        lastName: '张',
        email: 'zhang@example.test',
        emailVerified: true,
        attributes: { phone: ['123'], tags: ['a', 'b'], level: ['7'], locality: ['成都'] },
        realmRoles: ['operator'],
        clientRoles: { reports: ['read'], web: ['own'] },
      },
    ],
  });
  const client = realm.client('web') as RealmClient;
  const user = realm.userById('user-1') as RealmUser;
  const input: ClaimsInput = {
    realm,
    client,
    user,
    scopes: realm.resolveClientScopes(client, ['openid']),
    session: { acr: '1', notes: { AUTH_TIME: '1700000000', clientHost: '10.0.0.1' } },
    serverBaseUrl: 'http://idp.example',
  };
  return { realm, input };
}

const BASE = {
  exp: 1700000300,
  iat: 1700000000,
  jti: 'jti-1',
  iss: 'http://idp.example/realms/test',
  sid: 'sid-1',
};

describe('protocol mappers', () => {
  it('builds a Keycloak access token: standard claims first, audience from mappers', () => {
    const { input } = fixture(
      [
        mapper('aud', 'oidc-audience-mapper', {
          'included.client.audience': 'linli-api',
          'access.token.claim': 'true',
        }),
      ],
      [
        mapper('realm roles', 'oidc-usermodel-realm-role-mapper', {
          'claim.name': 'realm_access.roles',
          multivalued: 'true',
          'access.token.claim': 'true',
        }),
        mapper('client roles', 'oidc-usermodel-client-role-mapper', {
          'claim.name': 'resource_access.${client_id}.roles',
          multivalued: 'true',
          'access.token.claim': 'true',
        }),
        mapper('audience resolve', 'oidc-audience-resolve-mapper', {}),
        mapper('origins', 'oidc-allowed-origins-mapper', { 'access.token.claim': 'true' }),
        mapper('acr', 'oidc-acr-mapper', { 'access.token.claim': 'true' }),
        mapper('sub', 'oidc-sub-mapper', { 'access.token.claim': 'true' }),
        mapper('auth_time', 'oidc-usersessionmodel-note-mapper', {
          'user.session.note': 'AUTH_TIME',
          'claim.name': 'auth_time',
          'jsonType.label': 'long',
          'access.token.claim': 'true',
        }),
        mapper('username', 'oidc-usermodel-attribute-mapper', {
          'user.attribute': 'username',
          'claim.name': 'preferred_username',
          'jsonType.label': 'String',
          ...ALL,
        }),
      ],
    );
    const claims = accessTokenClaims(input, BASE);
    expect(claims).toEqual({
      exp: 1700000300,
      iat: 1700000000,
      auth_time: 1700000000,
      jti: 'jti-1',
      iss: 'http://idp.example/realms/test',
      aud: ['linli-api', 'reports'],
      sub: 'user-1',
      typ: 'Bearer',
      azp: 'web',
      sid: 'sid-1',
      acr: '1',
      'allowed-origins': ['https://web.example', 'https://other.example'],
      realm_access: { roles: ['operator'] },
      resource_access: { reports: { roles: ['read'] }, web: { roles: ['own'] } },
      scope: 'openid main',
      preferred_username: 'zhang',
    });
    expect(Object.keys(claims).slice(0, 5)).toEqual(['exp', 'iat', 'auth_time', 'jti', 'iss']);
  });

  it('writes a single audience as a string and leaves sid out of service-account tokens', () => {
    const { input } = fixture(
      [
        mapper('aud', 'oidc-audience-mapper', {
          'included.custom.audience': 'urn:custom',
          'access.token.claim': 'true',
        }),
      ],
      [],
    );
    const claims = accessTokenClaims(input, { ...BASE, sid: undefined });
    expect(claims['aud']).toBe('urn:custom');
    expect(claims).not.toHaveProperty('sid');
    expect(claims).not.toHaveProperty('realm_access');
  });

  it('converts JSON types, nests dotted claim names and honours escaped dots', () => {
    const { input } = fixture(
      [],
      [
        mapper('level', 'oidc-usermodel-attribute-mapper', {
          'user.attribute': 'level',
          'claim.name': 'profile.level',
          'jsonType.label': 'int',
          ...ALL,
        }),
        mapper('tags', 'oidc-usermodel-attribute-mapper', {
          'user.attribute': 'tags',
          'claim.name': 'tags',
          multivalued: 'true',
          'jsonType.label': 'String',
          ...ALL,
        }),
        mapper('first tag', 'oidc-usermodel-attribute-mapper', {
          'user.attribute': 'tags',
          'claim.name': 'first\\.tag',
          ...ALL,
        }),
        mapper('verified', 'oidc-usermodel-property-mapper', {
          'user.attribute': 'emailVerified',
          'claim.name': 'email_verified',
          'jsonType.label': 'boolean',
          ...ALL,
        }),
        mapper('missing', 'oidc-usermodel-attribute-mapper', {
          'user.attribute': 'nickname',
          'claim.name': 'nickname',
          ...ALL,
        }),
        mapper('json', 'oidc-hardcoded-claim-mapper', {
          'claim.name': 'tenant',
          'claim.value': '{"city":"510100000000"}',
          'jsonType.label': 'JSON',
          ...ALL,
        }),
        mapper('host', 'oidc-usersessionmodel-note-mapper', {
          'user.session.note': 'clientHost',
          'claim.name': 'clientHost',
          'jsonType.label': 'String',
          ...ALL,
        }),
        mapper('full name', 'oidc-full-name-mapper', ALL),
        mapper('address', 'oidc-address-mapper', ALL),
      ],
    );
    const claims = accessTokenClaims(input, BASE);
    expect(claims).toMatchObject({
      profile: { level: 7 },
      tags: ['a', 'b'],
      'first.tag': 'a',
      email_verified: true,
      tenant: { city: '510100000000' },
      clientHost: '10.0.0.1',
      name: '伟 张',
      address: { locality: '成都' },
    });
    expect(claims).not.toHaveProperty('nickname');
  });

  it('honours the per-token flags of each mapper', () => {
    const { realm, input } = fixture(
      [
        mapper('aud', 'oidc-audience-mapper', {
          'included.client.audience': 'linli-api',
          'access.token.claim': 'true',
          'id.token.claim': 'false',
        }),
      ],
      [
        mapper('email', 'oidc-usermodel-attribute-mapper', {
          'user.attribute': 'email',
          'claim.name': 'email',
          'access.token.claim': 'false',
          'id.token.claim': 'true',
          'userinfo.token.claim': 'true',
        }),
        mapper('phone', 'oidc-usermodel-attribute-mapper', {
          'user.attribute': 'phone',
          'claim.name': 'phone_number',
          'access.token.claim': 'true',
          'userinfo.token.claim': 'false',
        }),
        mapper('acr', 'oidc-acr-mapper', { 'id.token.claim': 'true', 'userinfo.token.claim': 'true' }),
      ],
    );
    const access = accessTokenClaims(input, BASE);
    expect(access).toHaveProperty('phone_number', '123');
    expect(access).not.toHaveProperty('email');
    expect(access).not.toHaveProperty('acr');
    expect(idTokenClaims(input)).toEqual({
      sub: 'user-1',
      typ: 'ID',
      azp: 'web',
      email: 'zhang@example.test',
      acr: '1',
    });
    expect(userInfoClaims(input)).toEqual({ sub: 'user-1', email: 'zhang@example.test' });
    expect(possibleClaimNames(realm, 'id').sort()).toEqual(['acr', 'email']);
  });
});
