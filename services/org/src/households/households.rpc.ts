import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HouseholdService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { HouseholdsService } from './households.service.js';

@Injectable()
export class HouseholdsRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly households: HouseholdsService,
  ) {}

  onModuleInit(): void {
    const m = HouseholdService.method;
    this.rpc.handle(m.registerHousehold, async (req, ctx) => ({
      household: await this.households.register(req, ctx.principal),
    }));
    this.rpc.handle(m.addMember, async (req, ctx) => ({
      household: await this.households.addMember(req, ctx.principal),
    }));
    this.rpc.handle(m.changeRepresentative, async (req, ctx) => ({
      household: await this.households.changeRepresentative(req, ctx.principal),
    }));
    this.rpc.handle(m.getHousehold, async (req, ctx) => ({
      household: await this.households.get(req.id, ctx.principal),
    }));
    this.rpc.handle(m.listHouseholds, (req, ctx) =>
      this.households.list(req.nodeId, req.limit, req.cursor, ctx.principal),
    );
    this.rpc.handle(m.getResident, async (req, ctx) => ({
      resident: await this.households.resident(req, ctx.principal),
    }));
    this.rpc.handle(m.moveHousehold, async (req, ctx) => ({
      household: await this.households.move(req, ctx.principal),
    }));
    this.rpc.handle(m.removeMember, async (req, ctx) => ({
      household: await this.households.removeMember(req, ctx.principal),
    }));
    this.rpc.handle(m.linkResidentAccount, async (req, ctx) => {
      await this.households.linkAccount(req, ctx.principal);
      return {};
    });
  }
}
