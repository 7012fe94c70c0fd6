import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const buf = join(root, 'node_modules/.bin/buf');

function run(cmd: string, args: string[]) {
  return spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
}

describe('proto contracts', () => {
  it('pass buf lint (STANDARD rules)', () => {
    const r = run(buf, ['lint']);
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('the committed TypeScript is what buf + protoc-gen-es generate now', () => {
    const r = run(process.execPath, ['tools/proto.mjs', 'check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);

  it('make no breaking change (WIRE_JSON) against the proto on main', () => {
    const hasMain = run('git', ['rev-parse', '--verify', '--quiet', 'refs/heads/main']).status === 0;
    const mainHasProto = hasMain && run('git', ['cat-file', '-e', 'main:proto/linli']).status === 0;
    if (!mainHasProto) {
      // Nothing to compare with yet (a repository without main, or a main before the first proto).
      return;
    }
    const r = run(buf, ['breaking', '--against', '.git#branch=main']);
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});
