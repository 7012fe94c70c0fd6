// ESLint: typescript-eslint + Prettier compatibility + module boundaries taken from the Nx project tags.
// Each project's package.json `nx.tags` (type:lib, type:service, type:gateway, type:tool, scope:testing) is the
// single source of truth; eslint-plugin-boundaries enforces it (the Nx ESLint plugin has no release for Nx 24).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const roots = ['libs', 'services', 'tools'].flatMap((d) =>
  readdirSync(d, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(d, e.name, 'package.json')))
    .map((e) => `${d}/${e.name}`),
);
roots.push('gateway');

/** Element type of a project from its Nx tags. */
function elementType(root) {
  const tags = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).nx?.tags ?? [];
  if (tags.includes('scope:testing')) return 'testing';
  const type = tags.find((t) => t.startsWith('type:'));
  if (!type) throw new Error(`${root}/package.json has no nx type:* tag`);
  return type.slice('type:'.length);
}

const elements = roots.map((root) => ({ type: elementType(root), pattern: root }));
elements.push({ type: 'e2e', pattern: 'e2e' });

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'libs/contracts/src/gen/**', '.nx/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      'boundaries/files': [
        {
          category: 'test',
          pattern: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**', 'e2e/**'],
        },
      ],
      'import/resolver': { typescript: { project: ['tsconfig.base.json'] }, node: true },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            // Libraries build on libraries only.
            { from: { element: { type: 'lib' } }, allow: { to: { element: { type: 'lib' } } } },
            // Services, the gateway and tools use libraries; never each other.
            {
              from: { element: { types: { anyOf: ['service', 'gateway', 'tool'] } } },
              allow: { to: { element: { type: 'lib' } } },
            },
            // Test code may also use the testing library and the development identity provider.
            {
              from: { file: { categories: 'test' } },
              allow: { to: { element: { types: { anyOf: ['lib', 'testing', 'tool'] } } } },
            },
            { from: { element: { type: 'testing' } }, allow: { to: { element: { type: 'lib' } } } },
            // Tools (bench, platform launcher) may drive other tools; nothing imports a tool in production code.
            { from: { element: { type: 'tool' } }, allow: { to: { element: { type: 'tool' } } } },
          ],
        },
      ],
    },
  },
  {
    // Tests may print a note (e.g. why an optional check was not possible on this machine).
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts', 'e2e/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'tools/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
);
