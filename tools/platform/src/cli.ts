import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { developmentPiiKey, repoRoot } from './platform.js';
import { platformSettings } from './settings.js';

/**
 * `npm run linli -- <command>`: operator commands.
 *   seed                          import Chengdu's divisions and grant the demo operators their roles
 *   import divisions [--scope S]  import statistical divisions (S: '' national, 51 a province, 5101 a city)
 *   import households <file>      compounds, buildings, households and residents from CSV or .xlsx
 *   retention run|show|set …      PI-5 retention of personal data (see services/org/src/cli.ts)
 */
const [command, ...rest] = process.argv.slice(2);
const settings = platformSettings();
const orgEnv = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? settings.ORG_DATABASE_URL,
  PII_ENCRYPTION_KEY: settings.PII_ENCRYPTION_KEY ?? developmentPiiKey(),
};
const orgCli = join(repoRoot, 'services/org/dist/cli.js');

function org(args: string[]): never {
  const r = spawnSync(process.execPath, [orgCli, ...args], { stdio: 'inherit', env: orgEnv });
  process.exit(r.status ?? 1);
}

if (command === 'seed') org(['seed-demo', '--realm', join(repoRoot, 'deploy/keycloak/linli-realm.json')]);
if (command === 'import' && rest[0] === 'divisions') org(['import-divisions', ...rest.slice(1)]);
if (command === 'import' && rest[0] === 'households') org(['import-households', ...rest.slice(1)]);
if (command === 'retention') org(['retention', ...rest]);
process.stderr.write(
  'usage: npm run linli -- <command>\n  seed\n  import divisions [--scope 5101]\n  import households <file.csv|file.xlsx> [--writers 2] [--batch 2000]\n' +
    '  retention run | retention show | retention set <category> <days> [--purpose TEXT]\n',
);
process.exit(2);
