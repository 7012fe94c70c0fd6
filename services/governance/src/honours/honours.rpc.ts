import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HonourService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { CommandLog } from '../idempotency/command-log.js';
import { HonoursService } from './honours.service.js';

@Injectable()
export class HonoursRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly log: CommandLog,
    private readonly honours: HonoursService,
  ) {}

  onModuleInit(): void {
    const m = HonourService.method;
    this.rpc.handle(
      m.createHonourScheme,
      this.log.wrap(m.createHonourScheme, async (req, ctx) => ({
        scheme: await this.honours.createScheme(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.nominateForHonour,
      this.log.wrap(m.nominateForHonour, async (req, ctx) => ({
        nomination: await this.honours.nominate(req, ctx.principal),
      })),
    );
    this.rpc.handle(m.listHonourNominations, async (req, ctx) => ({
      nominations: await this.honours.nominations(req.schemeId, req.period, ctx.principal),
    }));
    this.rpc.handle(
      m.awardHonour,
      this.log.wrap(m.awardHonour, (req, ctx) => this.honours.award(req, ctx.principal)),
    );
    // Public: anonymous callers see the roll (names masked unless consented, PI-3).
    this.rpc.handle(m.getHonourRoll, (req) => this.honours.roll(req.scopeNodeId, req.limit, req.cursor));
  }
}
