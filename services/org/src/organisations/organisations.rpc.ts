import { Injectable, type OnModuleInit } from '@nestjs/common';
import { OrganisationService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { OrganisationsService } from './organisations.service.js';

@Injectable()
export class OrganisationsRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly organisations: OrganisationsService,
  ) {}

  onModuleInit(): void {
    const m = OrganisationService.method;
    this.rpc.handle(m.registerOrganisation, async (req, ctx) => ({
      organisation: await this.organisations.register(req, ctx.principal),
    }));
    this.rpc.handle(m.getOrganisation, async (req, ctx) => ({
      organisation: await this.organisations.get(req.id, ctx.principal),
    }));
    this.rpc.handle(m.listOrganisations, (req, ctx) => this.organisations.list(req, ctx.principal));
    this.rpc.handle(m.addMembership, async (req, ctx) => ({
      membership: await this.organisations.addMembership(req, ctx.principal),
    }));
    this.rpc.handle(m.endMembership, async (req, ctx) => {
      await this.organisations.endMembership(req.membershipId, req.reason, ctx.principal);
      return {};
    });
  }
}
