import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CommitteeService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { CommandLog } from '../idempotency/command-log.js';
import { CommitteesService } from './committees.service.js';

@Injectable()
export class CommitteesRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly log: CommandLog,
    private readonly committees: CommitteesService,
  ) {}

  onModuleInit(): void {
    const m = CommitteeService.method;
    this.rpc.handle(
      m.createCommittee,
      this.log.wrap(m.createCommittee, async (req, ctx) => ({
        committee: await this.committees.create(req, ctx.principal),
      })),
    );
    this.rpc.handle(m.getCommittee, async (req, ctx) => ({
      committee: await this.committees.get(req.committeeId, ctx.principal),
    }));
    this.rpc.handle(m.listCommittees, (req, ctx) =>
      this.committees.list(req.nodeId, req.limit, req.cursor, ctx.principal),
    );
    this.rpc.handle(
      m.appointSeat,
      this.log.wrap(m.appointSeat, async (req, ctx) => ({
        committee: await this.committees.appoint(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.assignPortfolio,
      this.log.wrap(m.assignPortfolio, async (req, ctx) => ({
        committee: await this.committees.assignPortfolio(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.endSeat,
      this.log.wrap(m.endSeat, async (req, ctx) => ({
        committee: await this.committees.endSeat(req, ctx.principal),
      })),
    );
    this.rpc.handle(m.getRoster, async (req, ctx) => ({
      seats: await this.committees.roster(req.committeeId, req.on, ctx.principal),
    }));
  }
}
