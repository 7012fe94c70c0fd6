import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { repoRoot } from '../tools/platform/src/platform.js';
import { startDevIdp, type DevIdp } from '@linli/dev-idp';
import { decodeJwt } from 'jose';

/** The README's quick-start contract: its "Get a token" command works exactly as written. */
describe('README', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

  it('keeps the two-command quick start', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toMatch(/^npm test/m);
  });

  describe('"Get a token": the first code block, run as written, prints a city-wide operator token', () => {
    let idp: DevIdp | undefined;
    let free = false;

    beforeAll(async () => {
      // The command names port 8080. Use it if nothing else (e.g. a running `npm start`) holds it.
      free = await new Promise<boolean>((resolve) => {
        const s = createServer();
        s.once('error', () => resolve(false));
        s.listen(8080, '127.0.0.1', () => s.close(() => resolve(true)));
      });
      if (free) idp = await startDevIdp({ host: '127.0.0.1', port: 8080 });
    });
    afterAll(async () => {
      await idp?.close();
    });

    it('runs', async () => {
      const section = readme.split(/^## Get a token$/m)[1];
      expect(section).toBeDefined();
      const block = /```bash\n([\s\S]*?)```/.exec(section)![1].trim();
      expect(block).toContain('/protocol/openid-connect/token');
      expect(block.split('\n')).toHaveLength(1);
      // Asynchronously: the identity provider answers from this very process.
      const { stdout: out } = await promisify(execFile)('bash', ['-c', block], {
        encoding: 'utf8',
        timeout: 15_000,
      });
      const body = JSON.parse(out) as { access_token: string; token_type: string };
      expect(body.token_type).toMatch(/bearer/i);
      const claims = decodeJwt(body.access_token) as {
        iss: string;
        aud: string | string[];
        realm_access: { roles: string[] };
        preferred_username: string;
      };
      expect(claims.iss).toBe('http://127.0.0.1:8080/realms/linli');
      expect([claims.aud].flat()).toContain('linli-api');
      expect(claims.realm_access.roles).toContain('operator');
      expect(claims.preferred_username).toBe('service-account-linli-demo-city-app');
      if (!free) console.warn('port 8080 was taken: the command ran against whatever serves it');
    });
  });
});
