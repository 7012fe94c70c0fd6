// Builds the oidc-provider instance that plays a Keycloak realm: clients, grants, lifespans, claim
// shapes and endpoint paths all come from the realm file.
import Provider, {
  type Account,
  type AccessToken,
  type ClientCredentials,
  type ClientMetadata,
  type Configuration,
  type Grant,
  type JWTStructured,
  type KoaContextWithOIDC,
  type ResourceServer,
} from 'oidc-provider';
import { decodeJwt, type JWK } from 'jose';

import { RESOURCE_INDICATOR, splitScope, type IdpContext } from './idp.context.js';
import { invalidScopes, UNAUTHORIZED_GRANT_MESSAGES } from './keycloak.errors.js';
import type { MemoryAdapterStore } from './memory.adapter.js';
import { errorPage, loggedOutPage, logoutPage } from './pages.view.js';
import { registerPasswordGrant } from './password.grant.js';
import type { RealmClient } from './realm.model.js';
import { SIGNING_ALGORITHM } from './signing-keys.js';
import {
  accessTokenClaims,
  idTokenClaims,
  possibleClaimNames,
  type UserSessionInfo,
} from './token-claims.mapper.js';

/** Keycloak's OpenID Connect endpoint paths, relative to the realm URL. */
export const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  jwks: '/protocol/openid-connect/certs',
  userinfo: '/protocol/openid-connect/userinfo',
  end_session: '/protocol/openid-connect/logout',
} as const;

/** Keycloak's login form URL, relative to the realm URL. */
export const LOGIN_ACTION_PATH = '/login-actions/authenticate';

export interface ProviderParts {
  readonly context: IdpContext;
  readonly store: MemoryAdapterStore;
  readonly signingKeys: JWK[];
  readonly activeKid: string;
  readonly cookieKeys: string[];
  readonly onServerError: (err: Error) => void;
}

/** Keycloak's wildcard rule: a pattern ending in "*" matches by prefix, any other one exactly. */
export function redirectUriMatches(patterns: readonly string[], value: string): boolean {
  if (URL.parse(value) === null) return false;
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value,
  );
}

function clientMetadata(context: IdpContext, client: RealmClient): ClientMetadata {
  const { realm, serverBaseUrl } = context;
  return {
    client_id: client.clientId,
    ...(client.name === undefined ? {} : { client_name: client.name }),
    ...(client.publicClient
      ? { token_endpoint_auth_method: 'none' }
      : { token_endpoint_auth_method: 'client_secret_basic', client_secret: client.secret ?? '' }),
    grant_types: [...client.grantTypes],
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
    redirect_uris: client.standardFlowEnabled ? realm.resolvedRedirectUris(client, serverBaseUrl) : [],
    post_logout_redirect_uris: realm.resolvedPostLogoutRedirectUris(client, serverBaseUrl),
  };
}

function accessTokenLifespan(context: IdpContext, clientId: string): number {
  const override = Number(context.realm.client(clientId)?.attributes['access.token.lifespan']);
  return Number.isInteger(override) && override > 0 ? override : context.realm.accessTokenLifespan;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function buildProvider(parts: ProviderParts): Provider {
  const { context, store } = parts;
  const { realm, issuer, serverBaseUrl } = context;

  const resourceServerInfo = (): ResourceServer => ({
    scope: ['openid', 'offline_access', ...realm.clientScopeNames()].join(' '),
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: SIGNING_ALGORITHM, kid: parts.activeKid } },
  });

  const realmClientOf = (clientId: string): RealmClient => {
    const client = realm.client(clientId);
    if (client === undefined) throw new Error(`client ${clientId} is not in the realm file`);
    return client;
  };

  const authTimeOf = (ctx: KoaContextWithOIDC, token: object): number | undefined => {
    const { entities } = ctx.oidc;
    return (
      context.authTimes.get(token) ?? entities.AuthorizationCode?.authTime ?? entities.RefreshToken?.authTime
    );
  };

  async function customizeAccessToken(
    ctx: KoaContextWithOIDC,
    token: AccessToken | ClientCredentials,
    jwt: JWTStructured,
  ): Promise<void> {
    // Keycloak signs access tokens with header typ "JWT" (oidc-provider's default is "at+jwt").
    jwt.header = { typ: 'JWT' };
    const clientId = token.clientId;
    if (clientId === undefined) throw new Error('access token without a client');
    const client = realmClientOf(clientId);
    const serviceAccount = token.kind === 'ClientCredentials';
    const user = serviceAccount
      ? realm.serviceAccountOf(clientId)
      : realm.userById((token as AccessToken).accountId);
    if (user === undefined) {
      throw new Error(
        serviceAccount
          ? `the realm file has no service-account user for client ${clientId}`
          : 'access token for an unknown user',
      );
    }
    if (serviceAccount) {
      const asked = ctx.oidc.params?.['scope'];
      const unknown = realm.resolveClientScopes(client, splitScope(asked)).unknown;
      if (unknown.length > 0) throw invalidScopes(String(asked));
    }
    const authTime = serviceAccount ? undefined : authTimeOf(ctx, token);
    // Keycloak writes the peer's address in the session notes (an IPv4 address without the ::ffff: prefix).
    const address = ctx.ip.replace(/^::ffff:/, '');
    const session: UserSessionInfo = serviceAccount
      ? { acr: '1', notes: { client_id: clientId, clientHost: address, clientAddress: address } }
      : { acr: '1', notes: authTime === undefined ? {} : { AUTH_TIME: String(authTime) } };
    const base = jwt.payload;
    jwt.payload = accessTokenClaims(
      {
        realm,
        client,
        user,
        scopes: realm.resolveClientScopes(client, splitScope(token.scope)),
        session,
        serverBaseUrl,
      },
      {
        exp: Number(base['exp']),
        iat: Number(base['iat']),
        jti: String(base['jti']),
        iss: String(base['iss']),
        sid: serviceAccount ? undefined : (token as AccessToken).sid,
      },
    );
    if (jwt.payload['aud'] === undefined) {
      throw new Error(`client ${clientId} has no audience mapper: the dev identity provider needs an "aud"`);
    }
  }

  async function findAccount(ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> {
    const user = realm.userById(sub);
    if (user === undefined || !user.enabled || user.serviceAccountClientId !== undefined) return undefined;
    return {
      accountId: user.id,
      claims: (use, scope) => {
        if (use !== 'id_token') return { sub: user.id };
        const clientId = ctx.oidc.client?.clientId ?? '';
        const client = realmClientOf(clientId);
        return idTokenClaims({
          realm,
          client,
          user,
          scopes: realm.resolveClientScopes(client, splitScope(scope)),
          session: { acr: '1', notes: {} },
          serverBaseUrl,
        });
      },
    };
  }

  /** Keycloak clients without consent: every requested scope is granted at once. */
  async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { client, session, params } = ctx.oidc;
    if (client === undefined || session?.accountId === undefined) return undefined;
    const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
    const found = grantId === undefined ? undefined : await provider.Grant.find(grantId);
    const existing = found?.accountId === session.accountId ? found : undefined;
    const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    const scope = splitScope(params?.['scope']).join(' ');
    if (scope.length > 0) {
      grant.addOIDCScope(scope);
      grant.addResourceScope(RESOURCE_INDICATOR, scope);
    }
    await grant.save();
    return grant;
  }

  const configuration: Configuration = {
    adapter: (name: string) => store.adapterFor(name),
    clients: realm
      .allClients()
      .filter((client) => client.issuesTokens)
      .map((client) => clientMetadata(context, client)),
    jwks: { keys: parts.signingKeys },
    cookies: { keys: parts.cookieKeys },
    routes: { ...KEYCLOAK_ROUTES },
    scopes: ['openid', 'offline_access', ...realm.clientScopeNames()],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: [...new Set(['sub', 'typ', 'azp', ...possibleClaimNames(realm, 'id')])],
    },
    responseTypes: ['code'],
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form, ctx.oidc.params?.['id_token_hint'] !== undefined);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.body = loggedOutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE_INDICATOR,
        useGrantedResource: () => true,
        getResourceServerInfo: () => resourceServerInfo(),
      },
    },
    formats: { customizers: { jwt: customizeAccessToken } },
    findAccount,
    loadExistingGrant,
    interactions: {
      url: (_ctx, interaction) =>
        `${issuer}${LOGIN_ACTION_PATH}?client_id=${encodeURIComponent(String(interaction.params['client_id']))}&tab_id=${interaction.uid}`,
    },
    pkce: { required: (_ctx, client) => realm.client(client.clientId)?.pkceMethod !== undefined },
    clientBasedCORS: (_ctx, origin, client) => {
      const realmClient = realm.client(client.clientId);
      if (realmClient === undefined) return false;
      const allowed = realm.allowedOrigins(realmClient, serverBaseUrl);
      return allowed.includes('*') || allowed.includes(origin);
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: (_ctx, _token, client) => accessTokenLifespan(context, client.clientId),
      ClientCredentials: (_ctx, _token, client) => accessTokenLifespan(context, client.clientId),
      IdToken: (_ctx, _token, client) => accessTokenLifespan(context, client.clientId),
      AuthorizationCode: realm.accessCodeLifespan,
      RefreshToken: realm.ssoSessionIdleTimeout,
      Interaction: realm.accessCodeLifespanLogin,
      Session: realm.ssoSessionMaxLifespan,
      Grant: realm.ssoSessionMaxLifespan,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage({ error: out.error, error_description: out.error_description });
    },
  };

  const provider = new Provider(issuer, configuration);

  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value: string): boolean {
    return redirectUriMatches(this.redirectUris ?? [], value);
  };
  // Keycloak puts the user session id (`sid`) into every token of a user session.
  provider.Client.prototype.includeSid = function includeSid(): boolean {
    return true;
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(
    value: string,
  ): boolean {
    return redirectUriMatches(this.postLogoutRedirectUris ?? [], value);
  };

  registerPasswordGrant(provider, context, resourceServerInfo);

  provider.use(async (koaContext, next) => {
    await next();
    const ctx = koaContext as unknown as KoaContextWithOIDC;
    if (ctx.oidc?.route === 'token') keycloakTokenResponse(ctx);
    if (ctx.oidc?.route === 'discovery' && isRecord(ctx.body)) {
      const tokenEndpoint = String(ctx.body['token_endpoint']);
      ctx.body['userinfo_endpoint'] = tokenEndpoint.replace(/\/token$/, '/userinfo');
    }
  });
  provider.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) => parts.onServerError(err));

  return provider;
}

/** Reshapes token responses and errors the way Keycloak writes them. */
function keycloakTokenResponse(ctx: KoaContextWithOIDC): void {
  const body: unknown = ctx.body;
  if (!isRecord(body)) return;
  if (ctx.status === 200 && typeof body['access_token'] === 'string') {
    const claims = decodeJwt(body['access_token']);
    const refreshToken = ctx.oidc.entities.RefreshToken;
    const refreshExpiresIn =
      typeof body['refresh_token'] === 'string' && refreshToken !== undefined
        ? Math.max(0, refreshToken.remainingTTL)
        : 0;
    ctx.body = {
      access_token: body['access_token'],
      expires_in: body['expires_in'],
      refresh_expires_in: refreshExpiresIn,
      ...(typeof body['refresh_token'] === 'string' ? { refresh_token: body['refresh_token'] } : {}),
      token_type: 'Bearer',
      ...(typeof body['id_token'] === 'string' ? { id_token: body['id_token'] } : {}),
      'not-before-policy': 0,
      ...(typeof claims['sid'] === 'string' ? { session_state: claims['sid'] } : {}),
      scope: typeof claims['scope'] === 'string' ? claims['scope'] : '',
    };
    return;
  }
  if (
    body['error'] === 'invalid_request' &&
    body['error_description'] === 'requested grant type is not allowed for this client'
  ) {
    const grantType = String(ctx.oidc.params?.['grant_type'] ?? '');
    ctx.body = {
      error: 'unauthorized_client',
      error_description:
        UNAUTHORIZED_GRANT_MESSAGES[grantType] ?? 'Client not allowed to use this grant type',
    };
  }
}
