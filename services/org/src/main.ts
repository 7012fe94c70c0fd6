import 'reflect-metadata';
import { installShutdown } from '@linli/observability';
import { orgConfig } from './config.js';
import { startOrgApp } from './org.app.js';

const org = await startOrgApp(orgConfig());
installShutdown(org.logger, () => [{ name: 'org', run: () => org.stop() }]);
