import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DwellingService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { DwellingsService } from './dwellings.service.js';

@Injectable()
export class DwellingsRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly dwellings: DwellingsService,
  ) {}

  onModuleInit(): void {
    const m = DwellingService.method;
    this.rpc.handle(m.registerDwelling, async (req, ctx) => ({
      dwelling: await this.dwellings.register(req, ctx.principal),
    }));
    this.rpc.handle(m.setOwners, async (req, ctx) => ({
      dwelling: await this.dwellings.setOwners(req, ctx.principal),
    }));
    this.rpc.handle(m.getOwnersRoll, async (req, ctx) => ({
      roll: await this.dwellings.roll(req.nodeId, ctx.principal),
    }));
  }
}
