// postinstall: checks that what needs an install script really got it (npm may hold scripts back):
// the Node 24 binary of the `node` package, buf's binary and @swc/core's native binding.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = process.cwd();
const require = createRequire(join(root, 'package.json'));
const problems = [];

function check(name, fn, repair) {
  try {
    fn();
  } catch (e) {
    if (repair) {
      try {
        execFileSync('npm', ['rebuild', ...repair], { stdio: 'inherit', cwd: root });
        fn();
        return;
      } catch {
        // fall through to report
      }
    }
    problems.push(`${name}: ${e.message.split('\n')[0]}`);
  }
}

check(
  'node 24 (npm package `node`)',
  () => {
    const bin = join(root, 'node_modules/.bin/node');
    if (!existsSync(bin)) throw new Error('node_modules/.bin/node is missing');
    const v = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
    if (!v.startsWith('v24.')) throw new Error(`expected v24.x, got ${v}`);
  },
  ['node'],
);
check('buf', () => execFileSync(join(root, 'node_modules/.bin/buf'), ['--version'], { encoding: 'utf8' }), [
  '@bufbuild/buf',
]);
check('@swc/core native binding', () => require('@swc/core').transformSync('let a = 1', {}), ['@swc/core']);

if (problems.length) {
  process.stderr.write(`linli: install incomplete:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
