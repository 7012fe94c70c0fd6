import 'reflect-metadata';
import { installShutdown } from '@linli/observability';
import { gatewayConfig } from './config.js';
import { startGateway } from './gateway.app.js';

const gateway = await startGateway(gatewayConfig());
installShutdown(gateway.logger, () => [{ name: 'gateway', run: () => gateway.stop() }]);
