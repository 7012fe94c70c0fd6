// A Keycloak realm export, indexed and interpreted the way Keycloak interprets it: client defaults,
// composite roles, scope mappings, client scopes and redirect URIs. The dev identity provider reads
// everything it serves from here, so it agrees with the realm file by construction.
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import type {
  ClientRepresentation,
  ClientScopeRepresentation,
  ProtocolMapperRepresentation,
  RealmRepresentation,
  RoleRepresentation,
  UserRepresentation,
} from './realm.types.js';

export const OIDC_PROTOCOL = 'openid-connect';

/** Protocol mapper types the dev identity provider can apply (see token-claims.mapper.ts). */
export const SUPPORTED_MAPPER_TYPES: ReadonlySet<string> = new Set([
  'oidc-audience-mapper',
  'oidc-audience-resolve-mapper',
  'oidc-usermodel-realm-role-mapper',
  'oidc-usermodel-client-role-mapper',
  'oidc-usermodel-attribute-mapper',
  'oidc-usermodel-property-mapper',
  'oidc-full-name-mapper',
  'oidc-address-mapper',
  'oidc-allowed-origins-mapper',
  'oidc-acr-mapper',
  'oidc-sub-mapper',
  'oidc-usersessionmodel-note-mapper',
  'oidc-hardcoded-claim-mapper',
]);

/** The realm file uses something this development provider cannot reproduce faithfully. */
export class RealmFileError extends Error {
  override readonly name = 'RealmFileError';
}

export interface RealmRole {
  readonly key: string;
  /** The client id owning a client role; undefined for realm roles. */
  readonly clientId: string | undefined;
  readonly name: string;
  readonly description: string | undefined;
  readonly composites: readonly string[];
}

export interface RealmUser {
  readonly id: string;
  readonly username: string;
  readonly email: string | undefined;
  readonly firstName: string | undefined;
  readonly lastName: string | undefined;
  readonly emailVerified: boolean;
  readonly enabled: boolean;
  readonly createdTimestamp: number | undefined;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  readonly requiredActions: readonly string[];
  readonly serviceAccountClientId: string | undefined;
  /** Role keys assigned directly (before composite expansion). */
  readonly assignedRoleKeys: readonly string[];
  readonly password: string | undefined;
}

export type OAuthGrantType = 'authorization_code' | 'refresh_token' | 'password' | 'client_credentials';

export interface RealmClient {
  readonly clientId: string;
  readonly name: string | undefined;
  readonly enabled: boolean;
  readonly bearerOnly: boolean;
  readonly publicClient: boolean;
  readonly standardFlowEnabled: boolean;
  readonly directAccessGrantsEnabled: boolean;
  readonly serviceAccountsEnabled: boolean;
  readonly consentRequired: boolean;
  readonly fullScopeAllowed: boolean;
  readonly secret: string | undefined;
  /** `pkce.code.challenge.method` ("S256" or "plain"); undefined when PKCE is optional. */
  readonly pkceMethod: string | undefined;
  readonly rootUrl: string | undefined;
  readonly redirectUris: readonly string[];
  readonly webOrigins: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly protocolMappers: readonly ProtocolMapperRepresentation[];
  readonly defaultClientScopes: readonly string[];
  readonly optionalClientScopes: readonly string[];
  /** Enabled, OpenID Connect, not bearer-only: it can obtain tokens. */
  readonly issuesTokens: boolean;
  /** The OAuth grant types Keycloak allows for this client. */
  readonly grantTypes: readonly OAuthGrantType[];
}

export interface TokenRoles {
  readonly realm: readonly string[];
  /** Client id to role names, in a stable order. */
  readonly clients: ReadonlyMap<string, readonly string[]>;
}

export interface ResolvedClientScopes {
  readonly scopes: readonly ClientScopeRepresentation[];
  /** Requested names that are neither "openid" nor a default or optional scope of the client. */
  readonly unknown: readonly string[];
  readonly openid: boolean;
}

const realmRoleKey = (name: string): string => `realm\u0000${name}`;
const clientRoleKey = (clientId: string, name: string): string => `client\u0000${clientId}\u0000${name}`;

export class Realm {
  readonly name: string;
  readonly displayName: string;
  readonly accessTokenLifespan: number;
  readonly ssoSessionIdleTimeout: number;
  readonly ssoSessionMaxLifespan: number;
  readonly accessCodeLifespan: number;
  readonly accessCodeLifespanLogin: number;
  readonly loginWithEmailAllowed: boolean;

  private readonly roles = new Map<string, RealmRole>();
  private readonly users: RealmUser[] = [];
  private readonly clients = new Map<string, RealmClient>();
  private readonly clientScopes = new Map<string, ClientScopeRepresentation>();
  private readonly scopeMappingKeys = new Map<string, string[]>();

  constructor(representation: RealmRepresentation) {
    const rep = representation;
    if (typeof rep.realm !== 'string' || rep.realm.length === 0) {
      throw new RealmFileError('the realm file has no "realm" name');
    }
    this.name = rep.realm;
    this.displayName = rep.displayName ?? rep.realm;
    this.accessTokenLifespan = rep.accessTokenLifespan ?? 300;
    this.ssoSessionIdleTimeout = rep.ssoSessionIdleTimeout ?? 1800;
    this.ssoSessionMaxLifespan = rep.ssoSessionMaxLifespan ?? 36000;
    this.accessCodeLifespan = rep.accessCodeLifespan ?? 60;
    this.accessCodeLifespanLogin = rep.accessCodeLifespanLogin ?? 1800;
    this.loginWithEmailAllowed = rep.loginWithEmailAllowed ?? true;

    if ((rep.groups ?? []).length > 0) {
      throw new RealmFileError('groups are not supported by the dev identity provider');
    }

    this.indexRoles(rep);
    for (const scope of rep.clientScopes ?? []) {
      if ((scope.protocol ?? OIDC_PROTOCOL) === OIDC_PROTOCOL) {
        this.checkMappers(`client scope "${scope.name}"`, scope.protocolMappers);
        this.clientScopes.set(scope.name, scope);
      }
    }
    for (const client of rep.clients ?? []) {
      this.clients.set(client.clientId, this.normalizeClient(client));
    }
    this.indexScopeMappings(rep);
    for (const user of rep.users ?? []) {
      this.addUser(user);
    }
  }

  // ---- roles -------------------------------------------------------------------------------

  /** Realm role names in file order. */
  realmRoleNames(): string[] {
    return [...this.roles.values()].filter((role) => role.clientId === undefined).map((role) => role.name);
  }

  /** All role keys reachable from `keys` through composites, in discovery order. */
  expandRoleKeys(keys: Iterable<string>): string[] {
    const seen = new Set<string>();
    const visit = (key: string): void => {
      if (seen.has(key)) return;
      seen.add(key);
      for (const child of this.roles.get(key)?.composites ?? []) visit(child);
    };
    for (const key of keys) visit(key);
    return [...seen];
  }

  /**
   * The roles a token for `user` obtained by `client` carries, as Keycloak computes them: the user's
   * deep role mappings, limited (unless the client has full scope) to the client's own roles plus the
   * scope mappings of the client and of its effective client scopes, expanded.
   */
  tokenRoles(user: RealmUser, client: RealmClient, scopes: readonly ClientScopeRepresentation[]): TokenRoles {
    let keys = this.expandRoleKeys(user.assignedRoleKeys);
    if (!client.fullScopeAllowed) {
      const inScope = new Set(
        this.expandRoleKeys([
          ...[...this.roles.values()]
            .filter((role) => role.clientId === client.clientId)
            .map((role) => role.key),
          ...(this.scopeMappingKeys.get(`client\u0000${client.clientId}`) ?? []),
          ...scopes.flatMap((scope) => this.scopeMappingKeys.get(`scope\u0000${scope.name}`) ?? []),
        ]),
      );
      keys = keys.filter((key) => inScope.has(key));
    }
    const realm: string[] = [];
    const clients = new Map<string, string[]>();
    for (const key of keys) {
      const role = this.roles.get(key);
      if (role === undefined) continue;
      if (role.clientId === undefined) {
        realm.push(role.name);
      } else {
        const list = clients.get(role.clientId) ?? [];
        list.push(role.name);
        clients.set(role.clientId, list);
      }
    }
    return { realm, clients };
  }

  // ---- users -------------------------------------------------------------------------------

  userById(id: string): RealmUser | undefined {
    return this.users.find((user) => user.id === id);
  }

  /** Keycloak looks usernames up case-insensitively and, when allowed, by email too. */
  findUserForLogin(usernameOrEmail: string): RealmUser | undefined {
    const wanted = usernameOrEmail.trim().toLowerCase();
    const candidates = this.users.filter((user) => user.serviceAccountClientId === undefined);
    return (
      candidates.find((user) => user.username === wanted) ??
      (this.loginWithEmailAllowed
        ? candidates.find((user) => user.email?.toLowerCase() === wanted)
        : undefined)
    );
  }

  serviceAccountOf(clientId: string): RealmUser | undefined {
    return this.users.find((user) => user.serviceAccountClientId === clientId);
  }

  /** Constant-time comparison against the user's plaintext demo password. */
  verifyPassword(user: RealmUser, password: string): boolean {
    if (user.password === undefined) return false;
    const expected = Buffer.from(user.password, 'utf8');
    const actual = Buffer.from(password, 'utf8');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  // ---- clients and client scopes ------------------------------------------------------------

  allClients(): readonly RealmClient[] {
    return [...this.clients.values()];
  }

  client(clientId: string): RealmClient | undefined {
    return this.clients.get(clientId);
  }

  clientScope(name: string): ClientScopeRepresentation | undefined {
    return this.clientScopes.get(name);
  }

  /** All OpenID Connect client scope names of the realm. */
  clientScopeNames(): string[] {
    return [...this.clientScopes.keys()];
  }

  /** Default client scopes of the client, plus the requested optional ones. */
  resolveClientScopes(client: RealmClient, requested: readonly string[]): ResolvedClientScopes {
    const scopes: ClientScopeRepresentation[] = [];
    const add = (name: string): void => {
      const scope = this.clientScopes.get(name);
      if (scope !== undefined && !scopes.includes(scope)) scopes.push(scope);
    };
    client.defaultClientScopes.forEach(add);
    const unknown: string[] = [];
    for (const name of requested) {
      if (name === 'openid' || client.defaultClientScopes.includes(name)) continue;
      if (client.optionalClientScopes.includes(name) && this.clientScopes.has(name)) add(name);
      else if (!unknown.includes(name)) unknown.push(name);
    }
    return { scopes, unknown, openid: requested.includes('openid') };
  }

  /** The `scope` claim: "openid" when requested, then every effective scope shown in tokens. */
  scopeClaim(resolved: ResolvedClientScopes): string {
    const names = resolved.scopes
      .filter((scope) => (scope.attributes?.['include.in.token.scope'] ?? 'true') === 'true')
      .map((scope) => scope.name);
    return [...(resolved.openid ? ['openid'] : []), ...names].join(' ');
  }

  /** Absolute redirect URI patterns, with relative ones resolved against the client's root URL. */
  resolvedRedirectUris(client: RealmClient, serverBaseUrl: string): string[] {
    return client.redirectUris.map((uri) => this.resolveClientUrl(client, uri, serverBaseUrl));
  }

  resolvedPostLogoutRedirectUris(client: RealmClient, serverBaseUrl: string): string[] {
    return client.postLogoutRedirectUris.map((uri) => this.resolveClientUrl(client, uri, serverBaseUrl));
  }

  /** Web origins with "+" expanded to the origins of the redirect URIs, as Keycloak does. */
  allowedOrigins(client: RealmClient, serverBaseUrl: string): string[] {
    const origins: string[] = [];
    const add = (origin: string): void => {
      if (!origins.includes(origin)) origins.push(origin);
    };
    for (const entry of client.webOrigins) {
      if (entry === '+') {
        for (const uri of this.resolvedRedirectUris(client, serverBaseUrl)) {
          const parsed = URL.parse(uri);
          if (parsed !== null && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
            add(parsed.origin);
          }
        }
      } else {
        add(entry);
      }
    }
    return origins;
  }

  // ---- construction helpers ----------------------------------------------------------------

  private indexRoles(rep: RealmRepresentation): void {
    const pending: Array<{ role: RoleRepresentation; clientId: string | undefined }> = [
      ...(rep.roles?.realm ?? []).map((role) => ({ role, clientId: undefined })),
      ...Object.entries(rep.roles?.client ?? {}).flatMap(([clientId, roles]) =>
        roles.map((role) => ({ role, clientId })),
      ),
    ];
    for (const { role, clientId } of pending) {
      const key = clientId === undefined ? realmRoleKey(role.name) : clientRoleKey(clientId, role.name);
      this.roles.set(key, { key, clientId, name: role.name, description: role.description, composites: [] });
    }
    for (const { role, clientId } of pending) {
      const key = clientId === undefined ? realmRoleKey(role.name) : clientRoleKey(clientId, role.name);
      const composites = [
        ...(role.composites?.realm ?? []).map((name) =>
          this.requireRole(undefined, name, `composite of "${role.name}"`),
        ),
        ...Object.entries(role.composites?.client ?? {}).flatMap(([owner, names]) =>
          names.map((name) => this.requireRole(owner, name, `composite of "${role.name}"`)),
        ),
      ];
      const existing = this.roles.get(key);
      if (existing !== undefined) this.roles.set(key, { ...existing, composites });
    }
  }

  private requireRole(clientId: string | undefined, name: string, where: string): string {
    const key = clientId === undefined ? realmRoleKey(name) : clientRoleKey(clientId, name);
    if (!this.roles.has(key)) {
      const label = clientId === undefined ? `realm role "${name}"` : `client role "${clientId}/${name}"`;
      throw new RealmFileError(`${where} refers to the unknown ${label}`);
    }
    return key;
  }

  private indexScopeMappings(rep: RealmRepresentation): void {
    const add = (target: string, key: string): void => {
      const list = this.scopeMappingKeys.get(target) ?? [];
      list.push(key);
      this.scopeMappingKeys.set(target, list);
    };
    const targetOf = (mapping: { client?: string; clientScope?: string }): string | undefined =>
      mapping.client !== undefined
        ? `client\u0000${mapping.client}`
        : mapping.clientScope !== undefined
          ? `scope\u0000${mapping.clientScope}`
          : undefined;
    for (const mapping of rep.scopeMappings ?? []) {
      const target = targetOf(mapping);
      if (target === undefined) continue;
      for (const role of mapping.roles) add(target, this.requireRole(undefined, role, 'a scope mapping'));
    }
    for (const [owner, mappings] of Object.entries(rep.clientScopeMappings ?? {})) {
      for (const mapping of mappings) {
        const target = targetOf(mapping);
        if (target === undefined) continue;
        for (const role of mapping.roles)
          add(target, this.requireRole(owner, role, 'a client scope mapping'));
      }
    }
  }

  private normalizeClient(rep: ClientRepresentation): RealmClient {
    const protocol = rep.protocol ?? OIDC_PROTOCOL;
    const bearerOnly = rep.bearerOnly ?? false;
    // Keycloak's OIDC client defaults (OIDCLoginProtocolFactory.setupClientDefaults).
    const publicClient = rep.publicClient ?? rep.bearerOnly === undefined;
    const standardFlowEnabled = rep.standardFlowEnabled ?? true;
    const directAccessGrantsEnabled = rep.directAccessGrantsEnabled ?? true;
    const serviceAccountsEnabled = (rep.serviceAccountsEnabled ?? false) && !publicClient;
    const enabled = rep.enabled ?? true;
    const attributes = rep.attributes ?? {};
    const issuesTokens = enabled && !bearerOnly && protocol === OIDC_PROTOCOL;
    const where = `client "${rep.clientId}"`;

    if (issuesTokens) {
      if (rep.implicitFlowEnabled === true) {
        throw new RealmFileError(`${where}: the implicit flow is not supported by the dev identity provider`);
      }
      if (rep.consentRequired === true) {
        throw new RealmFileError(`${where}: consent screens are not supported by the dev identity provider`);
      }
      if (!publicClient && (rep.clientAuthenticatorType ?? 'client-secret') !== 'client-secret') {
        throw new RealmFileError(`${where}: only client-secret authentication is supported`);
      }
      if (!publicClient && (rep.secret === undefined || rep.secret.length === 0)) {
        throw new RealmFileError(`${where}: a confidential client needs a "secret" in the realm file`);
      }
      this.checkMappers(where, rep.protocolMappers);
    }

    const grantTypes: OAuthGrantType[] = [];
    if (issuesTokens) {
      if (standardFlowEnabled) grantTypes.push('authorization_code');
      if (directAccessGrantsEnabled) grantTypes.push('password');
      if (serviceAccountsEnabled) grantTypes.push('client_credentials');
      const useRefreshTokens = (attributes['use.refresh.tokens'] ?? 'true') === 'true';
      if (useRefreshTokens && (standardFlowEnabled || directAccessGrantsEnabled)) {
        grantTypes.push('refresh_token');
      }
    }

    const redirectUris = rep.redirectUris ?? [];
    const postLogout = (attributes['post.logout.redirect.uris'] ?? '')
      .split('##')
      .filter((entry) => entry.length > 0)
      .flatMap((entry) => (entry === '+' ? redirectUris : [entry]));

    return {
      clientId: rep.clientId,
      name: rep.name,
      enabled,
      bearerOnly,
      publicClient,
      standardFlowEnabled,
      directAccessGrantsEnabled,
      serviceAccountsEnabled,
      consentRequired: rep.consentRequired ?? false,
      fullScopeAllowed: rep.fullScopeAllowed ?? true,
      secret: publicClient ? undefined : rep.secret,
      pkceMethod: attributes['pkce.code.challenge.method'] || undefined,
      rootUrl: rep.rootUrl || undefined,
      redirectUris,
      webOrigins: rep.webOrigins ?? [],
      postLogoutRedirectUris: [...new Set(postLogout)],
      attributes,
      protocolMappers: rep.protocolMappers ?? [],
      defaultClientScopes: rep.defaultClientScopes ?? [],
      optionalClientScopes: rep.optionalClientScopes ?? [],
      issuesTokens,
      grantTypes,
    };
  }

  private addUser(rep: UserRepresentation): void {
    const where = `user "${rep.username}"`;
    if (typeof rep.id !== 'string' || rep.id.length === 0) {
      throw new RealmFileError(`${where} needs a fixed "id" so that its subject is stable`);
    }
    if ((rep.groups ?? []).length > 0) {
      throw new RealmFileError(`${where}: groups are not supported by the dev identity provider`);
    }
    if (
      rep.serviceAccountClientId !== undefined &&
      this.clients.get(rep.serviceAccountClientId) === undefined
    ) {
      throw new RealmFileError(
        `${where} is the service account of the unknown client "${rep.serviceAccountClientId}"`,
      );
    }
    const username = rep.username.toLowerCase();
    if (this.users.some((user) => user.username === username || user.id === rep.id)) {
      throw new RealmFileError(`${where} is defined twice`);
    }
    let password: string | undefined;
    for (const credential of rep.credentials ?? []) {
      if (credential.type !== 'password') continue;
      if (typeof credential.value !== 'string') {
        throw new RealmFileError(
          `${where}: only plaintext "value" passwords are supported (demo realms only)`,
        );
      }
      password = credential.value;
    }
    const assignedRoleKeys = [
      ...(rep.realmRoles ?? []).map((name) => this.requireRole(undefined, name, where)),
      ...Object.entries(rep.clientRoles ?? {}).flatMap(([clientId, names]) =>
        names.map((name) => this.requireRole(clientId, name, where)),
      ),
    ];
    this.users.push({
      id: rep.id,
      username,
      email: rep.email,
      firstName: rep.firstName,
      lastName: rep.lastName,
      emailVerified: rep.emailVerified ?? false,
      enabled: rep.enabled ?? true,
      createdTimestamp: rep.createdTimestamp,
      attributes: rep.attributes ?? {},
      requiredActions: rep.requiredActions ?? [],
      serviceAccountClientId: rep.serviceAccountClientId,
      assignedRoleKeys,
      password,
    });
  }

  private checkMappers(where: string, mappers: readonly ProtocolMapperRepresentation[] | undefined): void {
    for (const mapper of mappers ?? []) {
      if ((mapper.protocol ?? OIDC_PROTOCOL) !== OIDC_PROTOCOL) continue;
      if (!SUPPORTED_MAPPER_TYPES.has(mapper.protocolMapper)) {
        throw new RealmFileError(
          `${where}: protocol mapper "${mapper.name}" of type ${mapper.protocolMapper} is not supported by the dev identity provider`,
        );
      }
    }
  }

  private resolveClientUrl(client: RealmClient, uri: string, serverBaseUrl: string): string {
    if (!uri.startsWith('/')) return uri;
    const root = (client.rootUrl ?? '${authBaseUrl}')
      .replace('${authBaseUrl}', serverBaseUrl)
      .replace('${authAdminUrl}', serverBaseUrl);
    return `${root.replace(/\/$/, '')}${uri}`;
  }
}

export async function loadRealm(path: string): Promise<Realm> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new RealmFileError(`cannot read the realm file ${path}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new RealmFileError(`the realm file ${path} is not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RealmFileError(`the realm file ${path} is not a realm representation`);
  }
  return new Realm(parsed as RealmRepresentation);
}
