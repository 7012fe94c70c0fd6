// Verification of Keycloak access tokens (RS256/PS256/ES256 JWTs) against the realm's JWKS.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

/** Why an access token was refused. Anything else (say, the JWKS is unreachable) is thrown as is. */
export type TokenRejection =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'unknown_key'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'bad_algorithm'
  | 'wrong_type';

export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';

  constructor(
    readonly reason: TokenRejection,
    message = `access token rejected: ${reason}`,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Who a verified access token speaks for. */
export interface Principal {
  /** `sub`: the Keycloak user id (a service-account user for client credentials). */
  subject: string;
  /** `preferred_username`, or the subject when the token has none. */
  username: string;
  /** Realm roles (`realm_access.roles`), composites already expanded by Keycloak. */
  roles: string[];
  /** `azp`: the client the token was issued to. */
  clientId: string;
  /** `scope`, split on spaces. */
  scopes: string[];
  /** `jti` */
  tokenId: string;
  /** `exp` */
  expiresAt: Date;
}

export interface TokenVerifierOptions {
  /** Expected `iss`, e.g. http://localhost:8080/realms/linli. */
  issuer: string;
  /** Audience that must be in `aud`, e.g. linli-api. */
  audience: string;
  /** Default: `${issuer}/protocol/openid-connect/certs` (Keycloak's layout). */
  jwksUri?: string;
  /** Accepted signature algorithms; default RS256, PS256, ES256. Never "none", never HMAC. */
  algorithms?: string[];
  /** Clock skew allowed on `exp` and `nbf`, in seconds; default 5. */
  clockToleranceSeconds?: number;
  /** Minimum time between two JWKS fetches triggered by unknown key ids; default 30 000 ms. */
  jwksCooldownMs?: number;
}

export interface TokenVerifier {
  /** Resolves the principal of a valid access token; rejects with TokenRejectedError otherwise. */
  verify(token: string | undefined): Promise<Principal>;
  /** The token of an `Authorization: Bearer <token>` header, or undefined. */
  parseBearer(header: string | undefined): string | undefined;
}

export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256'];
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;

/** Keycloak's access-token type (its ID tokens say "ID", refresh tokens "Refresh"). */
const ACCESS_TOKEN_TYPE = 'Bearer';

/** Asymmetric JWS algorithms only: "none" and HS* (key-confusion attacks) can never be configured. */
const ASYMMETRIC_ALGORITHM = /^(?:(?:RS|PS|ES)(?:256|384|512)|EdDSA|Ed25519)$/;

/** RFC 6750 b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function parseBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(header.trim())?.[1];
}

function checkOptions(options: TokenVerifierOptions): void {
  if (typeof options.issuer !== 'string' || options.issuer.length === 0) {
    throw new TypeError('token verifier: issuer is required');
  }
  if (typeof options.audience !== 'string' || options.audience.length === 0) {
    throw new TypeError('token verifier: audience is required');
  }
  const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
  if (algorithms.length === 0) throw new TypeError('token verifier: at least one algorithm is required');
  for (const algorithm of algorithms) {
    if (!ASYMMETRIC_ALGORITHM.test(algorithm)) {
      throw new TypeError(
        `token verifier: algorithm ${algorithm} is not allowed (asymmetric signatures only)`,
      );
    }
  }
  for (const [name, value] of [
    ['clockToleranceSeconds', options.clockToleranceSeconds],
    ['jwksCooldownMs', options.jwksCooldownMs],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new TypeError(`token verifier: ${name} must be a non-negative number`);
    }
  }
}

/** Maps jose's errors to rejection reasons; returns undefined for errors that are not the token's fault. */
function rejectionOf(error: unknown): TokenRejection | undefined {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return error.claim === 'aud' ? 'wrong_audience' : 'malformed';
    switch (error.claim) {
      case 'iss':
        return 'wrong_issuer';
      case 'aud':
        return 'wrong_audience';
      case 'nbf':
        return 'not_yet_valid';
      default:
        return 'malformed';
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'unknown_key';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'bad_algorithm';
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return 'malformed';
  }
  return undefined;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function principalOf(payload: JWTPayload): Principal {
  const clientId = typeof payload['azp'] === 'string' ? payload['azp'] : payload['client_id'];
  if (
    typeof payload.sub !== 'string' ||
    typeof payload.jti !== 'string' ||
    typeof payload.exp !== 'number' ||
    typeof clientId !== 'string'
  ) {
    throw new TokenRejectedError('malformed', 'access token rejected: sub, jti, exp and azp are required');
  }
  const realmAccess = payload['realm_access'];
  const roles =
    typeof realmAccess === 'object' && realmAccess !== null
      ? stringArray((realmAccess as { roles?: unknown }).roles)
      : [];
  const preferredUsername = payload['preferred_username'];
  const scope = payload['scope'];
  return {
    subject: payload.sub,
    username:
      typeof preferredUsername === 'string' && preferredUsername.length > 0 ? preferredUsername : payload.sub,
    roles,
    clientId,
    scopes: typeof scope === 'string' ? scope.split(' ').filter((part) => part.length > 0) : [],
    tokenId: payload.jti,
    expiresAt: new Date(payload.exp * 1000),
  };
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  checkOptions(options);
  const jwksUri = options.jwksUri ?? `${options.issuer}/protocol/openid-connect/certs`;
  // Refetches the key set when a token names an unknown kid (at most once per cooldown), so signing
  // key rotation needs no restart.
  const keySet = createRemoteJWKSet(new URL(jwksUri), {
    cooldownDuration: options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
  });
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;

  return {
    parseBearer,
    async verify(token) {
      if (token === undefined || token.trim().length === 0) throw new TokenRejectedError('missing');
      if (token.split('.').length !== 3) {
        throw new TokenRejectedError(
          'malformed',
          'access token rejected: not a signed JWT (JWS compact form)',
        );
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          clockTolerance,
          requiredClaims: ['exp', 'sub', 'jti'],
        }));
      } catch (error) {
        const reason = rejectionOf(error);
        if (reason === undefined) throw error;
        throw new TokenRejectedError(reason, `access token rejected: ${reason}`, { cause: error });
      }
      if (payload['typ'] !== ACCESS_TOKEN_TYPE) {
        throw new TokenRejectedError(
          'wrong_type',
          `access token rejected: typ is not "${ACCESS_TOKEN_TYPE}"`,
        );
      }
      return principalOf(payload);
    },
  };
}
