import { Injectable, type OnModuleInit } from '@nestjs/common';
import { NodeRegisteredSchema } from '@linli/contracts';
import { ServiceRuntime } from '@linli/messaging';
import { CommunitiesService } from './communities.service.js';

/** evt.org.v1.node_registered → org_unit_refs (inbox-deduplicated by the runtime's consumer). */
@Injectable()
export class OrgUnitsConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly communities: CommunitiesService,
  ) {}

  onModuleInit(): void {
    this.runtime.consume(NodeRegisteredSchema, (event, manager) =>
      this.communities.onNodeRegistered(event, manager),
    );
  }
}
