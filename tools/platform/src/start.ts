import { startPlatform } from './platform.js';
import { preflight } from './preflight.js';
import { platformSettings } from './settings.js';

/** `npm start`: the whole platform on this machine, with a seeded demo city. */
const settings = platformSettings();
const problems = await preflight(settings);
if (problems.length) {
  process.stderr.write(`Linli cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}

let platform: Awaited<ReturnType<typeof startPlatform>>;
try {
  platform = await startPlatform(settings);
} catch (e) {
  process.stderr.write(`Linli failed to start: ${(e as Error).message}\n`);
  process.exit(1);
}
const { urls } = platform;
process.stdout.write(`
Linli (邻里) is running.

  Gateway        ${urls.gateway}/v1
  API docs       ${urls.docs}   (OpenAPI: ${urls.gateway}/openapi.json)
  Identity       ${urls.issuer}   (development provider, Keycloak realm layout)
  Health         ${urls.gateway}/health/ready   org ${urls.org}/health/ready   governance ${urls.governance}/health/ready
  Metrics        ${urls.gateway}/metrics   ${urls.org}/metrics   ${urls.governance}/metrics

Get a token with city-wide operator rights (demo client, demo only):

  curl -s -u linli-demo-city-app:linli-demo-city-app-secret -d grant_type=client_credentials ${urls.tokenEndpoint}

or as a demo user (city.admin, district.operator, street.operator, community.operator, resident.zhang; password demo):

  curl -s -d grant_type=password -d client_id=linli-console -d username=street.operator -d password=demo ${urls.tokenEndpoint}

Then:  curl -s -H "Authorization: Bearer $TOKEN" '${urls.gateway}/v1/org/nodes?code=510182107000'

Press Ctrl+C to stop.
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping Linli\n`);
  await platform.stop();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
const reason = await platform.crashed;
if (!stopping) {
  process.stderr.write(`Linli stopped: ${reason}\n`);
  await platform.stop();
  process.exit(1);
}
