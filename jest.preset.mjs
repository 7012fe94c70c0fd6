// Shared Jest preset: native-ESM Jest with @swc/jest (NestJS 12 is ESM-only). Each project's
// jest.config.mjs spreads it. Workspace libraries resolve to their TypeScript sources.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const libs = [
  'contracts',
  'messaging',
  'persistence',
  'auth',
  'observability',
  'config',
  'testing',
  'privacy',
];

export const swcEsm = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    [`^@linli/(${libs.join('|')})$`]: join(root, 'libs/$1/src/index.ts'),
    '^@linli/dev-idp$': join(root, 'tools/dev-idp/src/index.ts'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
      },
    ],
  },
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/test/**/*.int-spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
  ],
  testTimeout: 30000,
};
