// Keycloak's direct access grant (grant_type=password) as an oidc-provider custom grant type. Demo
// and test use only: it exists so scripts can get a user token without a browser.
import { randomUUID } from 'node:crypto';

import type Provider from 'oidc-provider';
import type { ResourceServer, TokenEndpointGrantContext } from 'oidc-provider';

import { epochSeconds, RESOURCE_INDICATOR, splitScope, type IdpContext } from './idp.context.js';
import { invalidScopes, invalidUserCredentials, KeycloakOAuthError } from './keycloak.errors.js';
import { idTokenClaims } from './token-claims.mapper.js';

export const PASSWORD_GRANT_TYPE = 'password';

/** `resourceServerInfo` describes the JWT access tokens to issue (signing key included). */
export function registerPasswordGrant(
  provider: Provider,
  context: IdpContext,
  resourceServerInfo: () => ResourceServer,
): void {
  provider.registerGrantType(
    PASSWORD_GRANT_TYPE,
    (ctx) => passwordGrant(provider, context, resourceServerInfo, ctx),
    ['username', 'password', 'scope'],
  );
}

async function passwordGrant(
  provider: Provider,
  context: IdpContext,
  resourceServerInfo: () => ResourceServer,
  ctx: TokenEndpointGrantContext,
): Promise<void> {
  const { realm } = context;
  const { client, params } = ctx.oidc;
  const realmClient = realm.client(client.clientId);
  if (realmClient === undefined) {
    throw new KeycloakOAuthError(401, 'invalid_client', 'Invalid client or Invalid client credentials');
  }

  const username = typeof params['username'] === 'string' ? params['username'] : '';
  const password = typeof params['password'] === 'string' ? params['password'] : '';
  if (username.length === 0) {
    throw new KeycloakOAuthError(400, 'invalid_request', 'Missing parameter: username');
  }
  const user = realm.findUserForLogin(username);
  if (user === undefined || password.length === 0 || !realm.verifyPassword(user, password)) {
    throw invalidUserCredentials();
  }
  if (!user.enabled) throw new KeycloakOAuthError(400, 'invalid_grant', 'Account disabled');
  if (user.requiredActions.length > 0) {
    throw new KeycloakOAuthError(400, 'invalid_grant', 'Account is not fully set up');
  }

  const requested = splitScope(params.scope);
  const scopes = realm.resolveClientScopes(realmClient, requested);
  if (scopes.unknown.length > 0) throw invalidScopes(requested.join(' '));
  const scope = requested.length > 0 ? requested.join(' ') : undefined;

  const grant = new provider.Grant({ accountId: user.id, clientId: client.clientId });
  if (scope !== undefined) {
    grant.addOIDCScope(scope);
    grant.addResourceScope(RESOURCE_INDICATOR, scope);
  }
  const grantId = await grant.save();

  // Keycloak opens a user session for a direct grant; its id is the token's `sid`.
  const sid = randomUUID();
  const authTime = epochSeconds();
  const accessToken = new provider.AccessToken({
    accountId: user.id,
    client,
    grantId,
    gty: PASSWORD_GRANT_TYPE,
    scope,
    sid,
    expiresWithSession: false,
  });
  accessToken.resourceServer = new provider.ResourceServer(RESOURCE_INDICATOR, resourceServerInfo());
  context.authTimes.set(accessToken, authTime);
  ctx.oidc.entity('AccessToken', accessToken);
  const accessTokenValue = await accessToken.save();

  let refreshTokenValue: string | undefined;
  if (client.grantTypeAllowed('refresh_token')) {
    const refreshToken = new provider.RefreshToken({
      accountId: user.id,
      client,
      grantId,
      gty: PASSWORD_GRANT_TYPE,
      scope: scope ?? '',
      sid,
      authTime,
      acr: '1',
      resource: RESOURCE_INDICATOR,
      rotations: 0,
      expiresWithSession: false,
    });
    ctx.oidc.entity('RefreshToken', refreshToken);
    refreshTokenValue = await refreshToken.save();
  }

  let idTokenValue: string | undefined;
  if (scopes.openid) {
    const claims = idTokenClaims({
      realm,
      client: realmClient,
      user,
      scopes,
      session: { acr: '1', notes: { AUTH_TIME: String(authTime) } },
      serverBaseUrl: context.serverBaseUrl,
    });
    const idToken = new provider.IdToken({ ...claims, acr: '1', auth_time: authTime }, { ctx });
    // The provider masks ID token claims by the token's scope.
    Object.assign(idToken, { scope });
    idToken.set('sid', sid);
    idToken.set('at_hash', accessTokenValue);
    idTokenValue = await idToken.issue({ use: 'idtoken' });
  }

  ctx.body = {
    access_token: accessTokenValue,
    expires_in: accessToken.expiration,
    ...(refreshTokenValue === undefined ? {} : { refresh_token: refreshTokenValue }),
    token_type: 'Bearer',
    ...(idTokenValue === undefined ? {} : { id_token: idTokenValue }),
  };
}
