import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceRuntime, runtimeProviders } from '@linli/messaging';
import { AccessRepository } from './access/access.repository.js';
import { AccessRpc } from './access/access.rpc.js';
import { AccessService } from './access/access.service.js';
import { NodeHistoryRepository, NodesRepository } from './nodes/nodes.repository.js';
import { HouseholdsRepository } from './households/households.repository.js';
import { HouseholdsRpc } from './households/households.rpc.js';
import { HouseholdsService, PII_CIPHER } from './households/households.service.js';
import { PiiCipher } from '@linli/privacy';
import { ImportsRpc } from './imports/imports.rpc.js';
import { ImportsService } from './imports/imports.service.js';
import { DwellingsRepository } from './dwellings/dwellings.repository.js';
import { DwellingsRpc } from './dwellings/dwellings.rpc.js';
import { DwellingsService } from './dwellings/dwellings.service.js';
import { OrganisationsRepository } from './organisations/organisations.repository.js';
import { OrganisationsRpc } from './organisations/organisations.rpc.js';
import { OrganisationsService } from './organisations/organisations.service.js';
import { NodesRpc } from './nodes/nodes.rpc.js';
import { NodesService } from './nodes/nodes.service.js';

@Module({})
export class OrgModule {
  static forRuntime(runtime: ServiceRuntime, cipher: PiiCipher): DynamicModule {
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
        { provide: PII_CIPHER, useValue: cipher },
        HouseholdsRepository,
        HouseholdsService,
        HouseholdsRpc,
        OrganisationsRepository,
        OrganisationsService,
        OrganisationsRpc,
        DwellingsRepository,
        DwellingsService,
        DwellingsRpc,
        ImportsService,
        ImportsRpc,
      ],
    };
  }
}
