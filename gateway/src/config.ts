import { commonEnv, isolationEnv, loadConfig, port, positiveInt, z } from '@linli/config';

/** The only place the gateway reads its environment. */
export function gatewayConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(
    {
      ...commonEnv,
      HTTP_PORT: port(3000),
      HTTP_HOST: z.string().default('0.0.0.0'),
      /** The Keycloak realm, e.g. http://127.0.0.1:8080/realms/linli (the token's `iss`). */
      OIDC_ISSUER: z.url(),
      OIDC_AUDIENCE: z.string().min(1).default('linli-api'),
      /** Where to fetch the realm's keys when it differs from <issuer>/protocol/openid-connect/certs. */
      OIDC_JWKS_URI: z.url().optional(),
      /** Least time between two JWKS fetches when a token names an unknown key (key rotation). */
      OIDC_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).default(30_000),
      RPC_TIMEOUT_MS: positiveInt(3000),
      ...isolationEnv,
      /** Largest bulk-import file accepted (bytes). */
      IMPORT_MAX_BYTES: positiveInt(50 * 1024 * 1024),
      /** Public base URL used in Location headers and the OpenAPI servers list. */
      PUBLIC_BASE_URL: z.url().optional(),
    },
    env,
  );
}

export type GatewayConfig = ReturnType<typeof gatewayConfig>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
