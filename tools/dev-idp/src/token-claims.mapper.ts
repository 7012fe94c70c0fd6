// Keycloak's OpenID Connect protocol mappers, applied to a user (or service account), a client and
// its effective client scopes. The result has the claim shapes Keycloak 26 puts into access tokens,
// ID tokens and UserInfo responses.
import type { Realm, RealmClient, RealmUser, ResolvedClientScopes, TokenRoles } from './realm.model.js';
import type { ProtocolMapperRepresentation } from './realm.types.js';

export type TokenTarget = 'access' | 'id' | 'userinfo';

/** What Keycloak keeps on the user session and reads through session-note mappers. */
export interface UserSessionInfo {
  /** Session notes, e.g. AUTH_TIME, client_id, clientHost, clientAddress. */
  readonly notes: Readonly<Record<string, string>>;
  /** Authentication context class: "1" after a credential check. */
  readonly acr: string;
}

export interface ClaimsInput {
  readonly realm: Realm;
  readonly client: RealmClient;
  readonly user: RealmUser;
  readonly scopes: ResolvedClientScopes;
  readonly session: UserSessionInfo;
  /** Base URL of the server (scheme, host, port), used to resolve relative client URLs. */
  readonly serverBaseUrl: string;
}

export interface MappedClaims {
  readonly claims: Record<string, unknown>;
  /** Audiences added by audience and audience-resolve mappers, in order, without duplicates. */
  readonly audience: readonly string[];
  readonly roles: TokenRoles;
}

/** Standard claims of a Keycloak access token, before the mapper claims. */
export interface AccessTokenBase {
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly iss: string;
  /** The user session id; absent for service-account (client credentials) tokens. */
  readonly sid: string | undefined;
}

const TARGET_FLAG: Record<TokenTarget, string> = {
  access: 'access.token.claim',
  id: 'id.token.claim',
  userinfo: 'userinfo.token.claim',
};

/** Mapper types Keycloak only runs for some token kinds. */
const MAPPER_TARGETS: Record<string, readonly TokenTarget[]> = {
  'oidc-audience-mapper': ['access', 'id'],
  'oidc-audience-resolve-mapper': ['access'],
  'oidc-allowed-origins-mapper': ['access'],
  'oidc-acr-mapper': ['access', 'id'],
  'oidc-sub-mapper': ['access'],
};

/** Mappers that older exports carry without flags and that Keycloak then applies anyway. */
const APPLIED_UNLESS_DISABLED = new Set(['oidc-audience-resolve-mapper', 'oidc-allowed-origins-mapper']);

function appliesTo(mapper: ProtocolMapperRepresentation, target: TokenTarget): boolean {
  const targets = MAPPER_TARGETS[mapper.protocolMapper];
  if (targets !== undefined && !targets.includes(target)) return false;
  const flag = mapper.config?.[TARGET_FLAG[target]];
  return APPLIED_UNLESS_DISABLED.has(mapper.protocolMapper) ? flag !== 'false' : flag === 'true';
}

function convert(value: string | number | boolean, jsonType: string | undefined): unknown {
  switch (jsonType) {
    case 'String':
      return String(value);
    case 'long':
    case 'int': {
      const number = Number(value);
      return Number.isFinite(number) ? number : undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : String(value) === 'true';
    case 'JSON':
      try {
        return JSON.parse(String(value)) as unknown;
      } catch {
        return undefined;
      }
    default:
      return value;
  }
}

/** Keycloak splits claim names on dots not escaped with a backslash. */
function claimPath(name: string): string[] {
  return name.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, '.'));
}

function setClaim(claims: Record<string, unknown>, name: string, value: unknown): void {
  if (value === undefined) return;
  const path = claimPath(name);
  let node = claims;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      node[part] = created;
      node = created;
    }
  }
  const leaf = path[path.length - 1] ?? name;
  const existing = node[leaf];
  node[leaf] =
    Array.isArray(existing) && Array.isArray(value) ? [...new Set([...existing, ...value])] : value;
}

function userAttribute(user: RealmUser, attribute: string): string[] {
  switch (attribute) {
    case 'username':
      return [user.username];
    case 'email':
      return user.email === undefined ? [] : [user.email];
    case 'firstName':
      return user.firstName === undefined ? [] : [user.firstName];
    case 'lastName':
      return user.lastName === undefined ? [] : [user.lastName];
    default:
      return [...(user.attributes[attribute] ?? [])];
  }
}

function userProperty(user: RealmUser, property: string): string | number | boolean | undefined {
  switch (property) {
    case 'id':
      return user.id;
    case 'username':
      return user.username;
    case 'email':
      return user.email;
    case 'firstName':
      return user.firstName;
    case 'lastName':
      return user.lastName;
    case 'emailVerified':
      return user.emailVerified;
    case 'enabled':
      return user.enabled;
    case 'createdTimestamp':
      return user.createdTimestamp;
    default:
      return undefined;
  }
}

function mappedValues(values: readonly string[], config: Record<string, string>): unknown {
  if (values.length === 0) return undefined;
  const jsonType = config['jsonType.label'];
  if (config['multivalued'] === 'true') return values.map((value) => convert(value, jsonType));
  const first = values[0];
  return first === undefined ? undefined : convert(first, jsonType);
}

function applyMapper(
  mapper: ProtocolMapperRepresentation,
  input: ClaimsInput,
  roles: TokenRoles,
  claims: Record<string, unknown>,
  audience: string[],
): void {
  const config = mapper.config ?? {};
  const claimName = config['claim.name'] ?? '';
  const { user, client, session } = input;
  const addAudience = (value: string): void => {
    if (value.length > 0 && !audience.includes(value)) audience.push(value);
  };
  switch (mapper.protocolMapper) {
    case 'oidc-audience-mapper':
      addAudience(config['included.client.audience'] || config['included.custom.audience'] || '');
      return;
    case 'oidc-audience-resolve-mapper':
      for (const [clientId, names] of roles.clients) {
        if (clientId !== client.clientId && names.length > 0) addAudience(clientId);
      }
      return;
    case 'oidc-usermodel-realm-role-mapper': {
      const prefix = config['usermodel.realmRoleMapping.rolePrefix'] ?? '';
      if (roles.realm.length > 0) {
        setClaim(
          claims,
          claimName,
          mappedValues(
            roles.realm.map((role) => `${prefix}${role}`),
            { ...config, multivalued: config['multivalued'] ?? 'true' },
          ),
        );
      }
      return;
    }
    case 'oidc-usermodel-client-role-mapper': {
      const only = config['usermodel.clientRoleMapping.clientId'];
      const prefix = config['usermodel.clientRoleMapping.rolePrefix'] ?? '';
      for (const [clientId, names] of roles.clients) {
        if ((only !== undefined && only !== '' && only !== clientId) || names.length === 0) continue;
        setClaim(
          claims,
          claimName.replace('${client_id}', clientId),
          mappedValues(
            names.map((role) => `${prefix}${role}`),
            { ...config, multivalued: config['multivalued'] ?? 'true' },
          ),
        );
      }
      return;
    }
    case 'oidc-usermodel-attribute-mapper':
      setClaim(claims, claimName, mappedValues(userAttribute(user, config['user.attribute'] ?? ''), config));
      return;
    case 'oidc-usermodel-property-mapper': {
      const value = userProperty(user, config['user.attribute'] ?? '');
      if (value !== undefined) setClaim(claims, claimName, convert(value, config['jsonType.label']));
      return;
    }
    case 'oidc-full-name-mapper': {
      const parts = [user.firstName, user.lastName].filter(
        (part): part is string => part !== undefined && part !== '',
      );
      if (parts.length > 0) claims['name'] = parts.join(' ');
      return;
    }
    case 'oidc-address-mapper': {
      const address: Record<string, string> = {};
      for (const field of ['formatted', 'street', 'locality', 'region', 'postal_code', 'country']) {
        const value = user.attributes[config[`user.attribute.${field}`] ?? field]?.[0];
        if (value !== undefined) address[field] = value;
      }
      if (Object.keys(address).length > 0) claims['address'] = address;
      return;
    }
    case 'oidc-allowed-origins-mapper': {
      const origins = input.realm.allowedOrigins(client, input.serverBaseUrl);
      if (origins.length > 0) claims['allowed-origins'] = origins;
      return;
    }
    case 'oidc-acr-mapper':
      claims['acr'] = session.acr;
      return;
    case 'oidc-sub-mapper':
      claims['sub'] = user.id;
      return;
    case 'oidc-usersessionmodel-note-mapper': {
      const note = session.notes[config['user.session.note'] ?? ''];
      if (note !== undefined) setClaim(claims, claimName, convert(note, config['jsonType.label']));
      return;
    }
    case 'oidc-hardcoded-claim-mapper':
      setClaim(claims, claimName, convert(config['claim.value'] ?? '', config['jsonType.label']));
      return;
    default:
      // Realm rejects unsupported mapper types when it loads the file.
      return;
  }
}

/** Runs the client's mappers and those of its effective client scopes for one token kind. */
export function applyProtocolMappers(target: TokenTarget, input: ClaimsInput): MappedClaims {
  const roles = input.realm.tokenRoles(input.user, input.client, input.scopes.scopes);
  const mappers = [
    ...input.client.protocolMappers,
    ...input.scopes.scopes.flatMap((scope) => scope.protocolMappers ?? []),
  ].filter(
    (mapper) => (mapper.protocol ?? 'openid-connect') === 'openid-connect' && appliesTo(mapper, target),
  );
  // Keycloak runs the audience-resolve mapper after the others (it has a higher priority number).
  const ordered = [
    ...mappers.filter((mapper) => mapper.protocolMapper !== 'oidc-audience-resolve-mapper'),
    ...mappers.filter((mapper) => mapper.protocolMapper === 'oidc-audience-resolve-mapper'),
  ];
  const claims: Record<string, unknown> = {};
  const audience: string[] = [];
  for (const mapper of ordered) applyMapper(mapper, input, roles, claims, audience);
  return { claims, audience, roles };
}

const LEADING_ACCESS_CLAIMS = [
  'exp',
  'iat',
  'auth_time',
  'jti',
  'iss',
  'aud',
  'sub',
  'typ',
  'azp',
  'sid',
  'acr',
  'allowed-origins',
  'realm_access',
  'resource_access',
  'scope',
];

/**
 * A Keycloak-shaped access token payload: `aud` from the audience mappers (a string when there is one
 * audience, as Keycloak writes it), `typ: "Bearer"`, `azp`, `sid` for user sessions, `scope`.
 */
export function accessTokenClaims(input: ClaimsInput, base: AccessTokenBase): Record<string, unknown> {
  const mapped = applyProtocolMappers('access', input);
  const unordered: Record<string, unknown> = {
    ...mapped.claims,
    exp: base.exp,
    iat: base.iat,
    jti: base.jti,
    iss: base.iss,
    aud:
      mapped.audience.length === 1
        ? mapped.audience[0]
        : mapped.audience.length > 1
          ? [...mapped.audience]
          : undefined,
    typ: 'Bearer',
    azp: input.client.clientId,
    sid: base.sid,
    scope: input.realm.scopeClaim(input.scopes),
  };
  const payload: Record<string, unknown> = {};
  for (const key of [...LEADING_ACCESS_CLAIMS, ...Object.keys(unordered)]) {
    if (!(key in payload) && unordered[key] !== undefined) payload[key] = unordered[key];
  }
  return payload;
}

/** Claims Keycloak adds to an ID token besides the registered ones the provider sets. */
export function idTokenClaims(input: ClaimsInput): { sub: string; [claim: string]: unknown } {
  const mapped = applyProtocolMappers('id', input);
  return { ...mapped.claims, sub: input.user.id, typ: 'ID', azp: input.client.clientId };
}

/** A Keycloak UserInfo response body. */
export function userInfoClaims(input: ClaimsInput): Record<string, unknown> {
  const mapped = applyProtocolMappers('userinfo', input);
  return { sub: input.user.id, ...mapped.claims };
}

/** Top-level claim names the realm's mappers can put into a token kind (for oidc-provider's claim masks). */
export function possibleClaimNames(realm: Realm, target: TokenTarget): string[] {
  const mappers = [
    ...realm.allClients().flatMap((client) => client.protocolMappers),
    ...realm.clientScopeNames().flatMap((name) => realm.clientScope(name)?.protocolMappers ?? []),
  ];
  const names = new Set<string>();
  for (const mapper of mappers) {
    if (!appliesTo(mapper, target)) continue;
    switch (mapper.protocolMapper) {
      case 'oidc-audience-mapper':
      case 'oidc-audience-resolve-mapper':
        break;
      case 'oidc-full-name-mapper':
        names.add('name');
        break;
      case 'oidc-address-mapper':
        names.add('address');
        break;
      case 'oidc-acr-mapper':
        names.add('acr');
        break;
      case 'oidc-sub-mapper':
        names.add('sub');
        break;
      case 'oidc-allowed-origins-mapper':
        names.add('allowed-origins');
        break;
      default: {
        const root = claimPath(mapper.config?.['claim.name'] ?? '')[0];
        if (root !== undefined && root.length > 0) names.add(root);
      }
    }
  }
  return [...names];
}
