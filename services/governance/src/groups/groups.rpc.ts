import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ResidentsGroupService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { CommandLog } from '../idempotency/command-log.js';
import { ResidentsGroupsService } from './groups.service.js';

@Injectable()
export class ResidentsGroupsRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly log: CommandLog,
    private readonly groups: ResidentsGroupsService,
  ) {}

  onModuleInit(): void {
    const m = ResidentsGroupService.method;
    this.rpc.handle(
      m.createResidentsGroup,
      this.log.wrap(m.createResidentsGroup, async (req, ctx) => ({
        group: await this.groups.create(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.setGroupRepresentatives,
      this.log.wrap(m.setGroupRepresentatives, async (req, ctx) => ({
        group: await this.groups.setRepresentatives(req, ctx.principal),
      })),
    );
    this.rpc.handle(m.listResidentsGroups, async (req, ctx) => ({
      groups: await this.groups.list(req.nodeId, ctx.principal),
    }));
  }
}
