// OAuth errors with Keycloak's status codes and messages where they differ from oidc-provider's.
import { errors } from 'oidc-provider';

export class KeycloakOAuthError extends errors.OIDCProviderError {
  constructor(status: number, error: string, description: string) {
    super(status, error);
    this.error_description = description;
  }
}

/** Keycloak answers a wrong username or password on the token endpoint with 401 invalid_grant. */
export function invalidUserCredentials(): KeycloakOAuthError {
  return new KeycloakOAuthError(401, 'invalid_grant', 'Invalid user credentials');
}

export function invalidScopes(requested: string): KeycloakOAuthError {
  return new KeycloakOAuthError(400, 'invalid_scope', `Invalid scopes: ${requested}`);
}

/** Keycloak's unauthorized_client messages per grant type (400). */
export const UNAUTHORIZED_GRANT_MESSAGES: Readonly<Record<string, string>> = {
  password: 'Client not allowed for direct access grants',
  client_credentials: 'Client not enabled to retrieve service account',
  authorization_code: 'Client not allowed to exchange code',
  refresh_token: 'Client not allowed to refresh tokens',
};
