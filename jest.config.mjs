// `npm test` runs every project's unit, integration and end-to-end tests in one Jest run.
const projects = [
  'libs/contracts',
  'libs/messaging',
  'libs/persistence',
  'libs/auth',
  'libs/observability',
  'libs/config',
  'libs/privacy',
  'services/org',
  'services/governance',
  'gateway',
  'tools/dev-idp',
  'tools/platform',
  'e2e',
];
export default {
  projects: projects.map((p) => `<rootDir>/${p}/jest.config.mjs`),
  // Integration suites share one PostgreSQL and one NATS server on 2 cores.
  maxWorkers: 2,
  testTimeout: 60000,
};
