// CLI: `node tools/dev-idp/dist/main.js` serves the realm on DEV_IDP_HOST:DEV_IDP_PORT (default
// 127.0.0.1:8080), prints one JSON log line with the issuer, and stops cleanly on SIGTERM or SIGINT.
import { commonEnv, loadConfig, port, z } from '@linli/config';
import { createLogger, installShutdown } from '@linli/observability';

import { startDevIdp } from './dev-idp.server.js';

let logger = createLogger('dev-idp');

try {
  const config = loadConfig({
    LOG_LEVEL: commonEnv.LOG_LEVEL,
    DEV_IDP_HOST: z.string().min(1).default('127.0.0.1'),
    DEV_IDP_PORT: port(8080),
    /** Keycloak realm export to serve; default deploy/keycloak/linli-realm.json. */
    DEV_IDP_REALM_FILE: z.string().min(1).optional(),
    /** Base URL clients use, when it differs from http://<host>:<port> (e.g. behind port mapping). */
    DEV_IDP_PUBLIC_URL: z.url().optional(),
  });
  logger = createLogger('dev-idp', config.LOG_LEVEL);
  const idp = await startDevIdp({
    host: config.DEV_IDP_HOST,
    port: config.DEV_IDP_PORT,
    ...(config.DEV_IDP_REALM_FILE === undefined ? {} : { realmFile: config.DEV_IDP_REALM_FILE }),
    ...(config.DEV_IDP_PUBLIC_URL === undefined ? {} : { publicUrl: config.DEV_IDP_PUBLIC_URL }),
    logger,
  });
  logger.info(
    { issuer: idp.issuer, jwksUri: idp.jwksUri, tokenEndpoint: idp.tokenEndpoint },
    'dev-idp listening',
  );
  installShutdown(logger, () => [{ name: 'dev-idp', run: () => idp.close() }]);
} catch (error) {
  logger.fatal({ err: error }, 'dev-idp failed to start');
  logger.flush();
  process.exit(1);
}
