import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ElectionService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { CommandLog } from '../idempotency/command-log.js';
import { ElectionsService } from './elections.service.js';

@Injectable()
export class ElectionsRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly log: CommandLog,
    private readonly elections: ElectionsService,
  ) {}

  onModuleInit(): void {
    const m = ElectionService.method;
    const e = this.elections;
    this.rpc.handle(
      m.createElection,
      this.log.wrap(m.createElection, async (req, ctx) => ({ election: await e.create(req, ctx.principal) })),
    );
    this.rpc.handle(m.getElection, async (req, ctx) => ({
      election: await e.get(req.electionId, ctx.principal),
    }));
    this.rpc.handle(
      m.publishRoll,
      this.log.wrap(m.publishRoll, async (req, ctx) => ({
        election: await e.publishRoll(req.electionId, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.lodgeRollObjection,
      this.log.wrap(m.lodgeRollObjection, async (req, ctx) => ({
        objection: await e.lodgeObjection(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.decideRollObjection,
      this.log.wrap(m.decideRollObjection, (req, ctx) => e.decideObjection(req, ctx.principal)),
    );
    this.rpc.handle(
      m.nominateCandidate,
      this.log.wrap(m.nominateCandidate, async (req, ctx) => ({
        election: await e.nominate(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.openVoting,
      this.log.wrap(m.openVoting, async (req, ctx) => ({
        election: await e.openVoting(req.electionId, ctx.principal),
      })),
    );
    this.rpc.handle(m.castBallot, (req, ctx) => e.cast(req, ctx.principal));
    this.rpc.handle(
      m.recordPaperBallot,
      this.log.wrap(m.recordPaperBallot, (req, ctx) => e.recordPaper(req, ctx.principal)),
    );
    this.rpc.handle(
      m.closeVoting,
      this.log.wrap(m.closeVoting, async (req, ctx) => ({
        election: await e.closeVoting(req.electionId, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.tallyElection,
      this.log.wrap(m.tallyElection, (req, ctx) => e.tally(req.electionId, ctx.principal)),
    );
    this.rpc.handle(
      m.certifyElection,
      this.log.wrap(m.certifyElection, async (req, ctx) => ({
        election: await e.certify(req.electionId, ctx.principal),
      })),
    );
    this.rpc.handle(m.getPublicResults, async (req) => ({ results: await e.publicResults(req.electionId) }));
    this.rpc.handle(m.listBallotHashes, (req) =>
      e.ballotHashes(req.electionId, req.round, req.limit, req.cursor),
    );
    this.rpc.handle(
      m.registerProxy,
      this.log.wrap(m.registerProxy, async (req, ctx) => ({
        proxy: await e.registerProxy(req, ctx.principal),
      })),
    );
    this.rpc.handle(m.listProxies, async (req) => ({ proxies: await e.listProxies(req.electionId) }));
    this.rpc.handle(m.getMyVoterStatus, (req, ctx) => e.myStatus(req.electionId, ctx.principal));
  }
}
