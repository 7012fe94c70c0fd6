import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceRuntime, runtimeProviders } from '@linli/messaging';
import { AccessRepository } from './access/access.repository.js';
import { AccessRpc } from './access/access.rpc.js';
import { AccessService } from './access/access.service.js';
import { NodeHistoryRepository, NodesRepository } from './nodes/nodes.repository.js';
import { NodesRpc } from './nodes/nodes.rpc.js';
import { NodesService } from './nodes/nodes.service.js';

@Module({})
export class OrgModule {
  static forRuntime(runtime: ServiceRuntime): DynamicModule {
    return {
      module: OrgModule,
      providers: [
        ...runtimeProviders(runtime),
        AccessRepository,
        AccessService,
        AccessRpc,
        NodesRepository,
        NodeHistoryRepository,
        NodesService,
        NodesRpc,
      ],
    };
  }
}
