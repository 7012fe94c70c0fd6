import { Module, type DynamicModule } from '@nestjs/common';
import { RpcClient, ServiceRuntime, runtimeProviders } from '@linli/messaging';
import { GovernanceAccess } from './access/governance-access.js';
import { CommitteesRepository } from './committees/committees.repository.js';
import { CommitteesRpc } from './committees/committees.rpc.js';
import { CommitteesService } from './committees/committees.service.js';
import { ConsultationsRepository } from './consultations/consultations.repository.js';
import { ConsultationsRpc } from './consultations/consultations.rpc.js';
import { ConsultationsService } from './consultations/consultations.service.js';
import { CommunitiesRpc } from './communities/communities.rpc.js';
import { CommunitiesService } from './communities/communities.service.js';
import { OrgUnitsConsumer } from './communities/org-units.consumer.js';
import { OrgUnitsRepository } from './communities/org-units.repository.js';
import { ElectionsRpc } from './elections/elections.rpc.js';
import { ElectionsService } from './elections/elections.service.js';
import { ElectorateProjection } from './electorate/electorate.projection.js';
import { ElectorateRepository } from './electorate/electorate.repository.js';
import { ResidentsGroupsRpc } from './groups/groups.rpc.js';
import { ResidentsGroupsService } from './groups/groups.service.js';
import { HonoursRepository } from './honours/honours.repository.js';
import { HonoursRpc } from './honours/honours.rpc.js';
import { HonoursService } from './honours/honours.service.js';
import { MeetingsRpc } from './meetings/meetings.rpc.js';
import { MeetingsService } from './meetings/meetings.service.js';
import { OwnersAssembly } from './meetings/owners-assembly.js';
import { CommandLog } from './idempotency/command-log.js';
import { ParametersRepository } from './rules/parameters.js';

@Module({})
export class GovernanceModule {
  static forRuntime(runtime: ServiceRuntime): DynamicModule {
    return {
      module: GovernanceModule,
      providers: [
        ...runtimeProviders(runtime),
        // Calls to other contexts (org's CheckAccess), with the runtime's test isolation prefix.
        {
          provide: RpcClient,
          useValue: new RpcClient(runtime.nc, { subjectPrefix: runtime.options.isolation?.subjectPrefix }),
        },
        OrgUnitsRepository,
        CommunitiesService,
        CommunitiesRpc,
        OrgUnitsConsumer,
        CommandLog,
        ParametersRepository,
        GovernanceAccess,
        ElectorateRepository,
        ElectorateProjection,
        CommitteesRepository,
        CommitteesService,
        CommitteesRpc,
        OwnersAssembly,
        MeetingsService,
        MeetingsRpc,
        ElectionsService,
        ElectionsRpc,
        HonoursRepository,
        HonoursService,
        HonoursRpc,
        ConsultationsRepository,
        ConsultationsService,
        ConsultationsRpc,
        ResidentsGroupsService,
        ResidentsGroupsRpc,
      ],
    };
  }
}
