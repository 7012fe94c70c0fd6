// The CLI as a real process: `node tools/dev-idp/dist/main.js` (built here with tsc -b if needed).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`dev-idp exited with ${code} before printing a line`)));
  });
}

describe('dev-idp CLI', () => {
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    await promisify(execFile)(`${repoRoot}node_modules/.bin/tsc`, ['-b', 'tools/dev-idp'], {
      cwd: repoRoot,
      timeout: 120_000,
    });
  }, 150_000);

  afterEach(() => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('prints one JSON line with the issuer, serves the realm and stops cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, [mainJs], {
      // LOG_LEVEL from the caller's environment must not hide the startup line.
      env: { ...process.env, DEV_IDP_HOST: '127.0.0.1', DEV_IDP_PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    const line = JSON.parse(await firstLine(child)) as { level: string; msg: string; issuer: string };
    expect(line).toMatchObject({ level: 'info', msg: 'dev-idp listening' });
    expect(line.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/linli$/);

    const discovery = (await (await fetch(`${line.issuer}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
    };
    expect(discovery.issuer).toBe(line.issuer);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, stderr: stderr.join('') }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('exits with a fatal line naming the variable when the configuration is invalid', async () => {
    child = spawn(process.execPath, [mainJs], {
      env: { ...process.env, DEV_IDP_PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = firstLine(child);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    const entry = JSON.parse(await line) as { level: string; msg: string; err: { message: string } };
    expect(entry).toMatchObject({ level: 'fatal', msg: 'dev-idp failed to start' });
    expect(entry.err.message).toContain('DEV_IDP_PORT');
  });
});
