import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceRuntime, runtimeProviders } from '@linli/messaging';
import { CommunitiesRpc } from './communities/communities.rpc.js';
import { CommunitiesService } from './communities/communities.service.js';
import { OrgUnitsConsumer } from './communities/org-units.consumer.js';
import { OrgUnitsRepository } from './communities/org-units.repository.js';

@Module({})
export class GovernanceModule {
  static forRuntime(runtime: ServiceRuntime): DynamicModule {
    return {
      module: GovernanceModule,
      providers: [
        ...runtimeProviders(runtime),
        OrgUnitsRepository,
        CommunitiesService,
        CommunitiesRpc,
        OrgUnitsConsumer,
      ],
    };
  }
}
