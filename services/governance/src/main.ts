import 'reflect-metadata';
import { installShutdown } from '@linli/observability';
import { governanceConfig } from './config.js';
import { startGovernanceApp } from './governance.app.js';

const governance = await startGovernanceApp(governanceConfig());
installShutdown(governance.logger, () => [{ name: 'governance', run: () => governance.stop() }]);
