// What the pieces of the dev identity provider share: the realm, the URLs and the plumbing that turns
// oidc-provider tokens into Keycloak-shaped ones.
import type { Realm } from './realm.model.js';

/**
 * oidc-provider issues JWT access tokens only for a resource server named by an absolute URI. This one
 * is internal plumbing: the token's `aud` comes from the realm's audience mappers, never from it.
 */
export const RESOURCE_INDICATOR = 'urn:linli:api';

export interface IdpContext {
  readonly realm: Realm;
  readonly issuer: string;
  /** Scheme, host and port of the server, without a trailing slash. */
  readonly serverBaseUrl: string;
  /** Authentication times of access tokens created by the custom password grant. */
  readonly authTimes: WeakMap<object, number>;
}

export function splitScope(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return [...new Set(value.split(' ').filter((part) => part.length > 0))];
}

export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
