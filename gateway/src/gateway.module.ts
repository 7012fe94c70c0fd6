import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { TokenVerifier } from '@linli/auth';
import { RpcClient, type NatsConnection } from '@linli/messaging';
import { AuthGuard, TOKEN_VERIFIER } from './common/auth.guard.js';
import { ServiceCaller } from './common/rpc.gateway.js';
import { CommitteesController } from './governance/committees.controller.js';
import { ResidentsGroupsController } from './governance/groups.controller.js';
import { CommunitiesController } from './governance/communities.controller.js';
import { ConsultationsController } from './governance/consultations.controller.js';
import { ElectionsController } from './governance/elections.controller.js';
import { HonoursController } from './governance/honours.controller.js';
import { MeetingsController } from './governance/meetings.controller.js';
import { PublicController } from './governance/public.controller.js';
import { HealthController, NATS_CONNECTION } from './health/health.controller.js';
import { NodesController } from './org/nodes.controller.js';
import { RoleAssignmentsController } from './org/role-assignments.controller.js';
import { HouseholdsController } from './org/households.controller.js';
import { OrganisationsController } from './org/organisations.controller.js';
import { DwellingsController } from './org/dwellings.controller.js';
import { ImportsController, STREAM_SUFFIX } from './org/imports.controller.js';

/** The HTTP edge: no database and no business rules; one folder per context. */
@Module({})
export class GatewayModule {
  static forRoot(deps: {
    nc: NatsConnection;
    rpc: RpcClient;
    verifier: TokenVerifier;
    streamSuffix?: string;
  }): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [
        HealthController,
        NodesController,
        RoleAssignmentsController,
        HouseholdsController,
        OrganisationsController,
        DwellingsController,
        ImportsController,
        CommunitiesController,
        CommitteesController,
        ResidentsGroupsController,
        MeetingsController,
        ElectionsController,
        HonoursController,
        ConsultationsController,
        PublicController,
      ],
      providers: [
        { provide: NATS_CONNECTION, useValue: deps.nc },
        { provide: RpcClient, useValue: deps.rpc },
        { provide: TOKEN_VERIFIER, useValue: deps.verifier },
        { provide: STREAM_SUFFIX, useValue: deps.streamSuffix ?? '' },
        { provide: APP_GUARD, useClass: AuthGuard },
        ServiceCaller,
      ],
    };
  }
}
