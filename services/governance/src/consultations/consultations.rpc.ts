import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConsultationService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { CommandLog } from '../idempotency/command-log.js';
import { ConsultationsService } from './consultations.service.js';

@Injectable()
export class ConsultationsRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly log: CommandLog,
    private readonly consultations: ConsultationsService,
  ) {}

  onModuleInit(): void {
    const m = ConsultationService.method;
    this.rpc.handle(
      m.openConsultation,
      this.log.wrap(m.openConsultation, async (req, ctx) => ({
        consultation: await this.consultations.open(req, ctx.principal),
      })),
    );
    this.rpc.handle(m.getConsultation, async (req, ctx) => ({
      consultation: await this.consultations.get(req.consultationId, ctx.principal),
    }));
    this.rpc.handle(
      m.submitOpinion,
      this.log.wrap(m.submitOpinion, async (req, ctx) => ({
        opinion: await this.consultations.submit(req, ctx.principal),
      })),
    );
    this.rpc.handle(m.listOpinions, (req, ctx) =>
      this.consultations.opinions(req.consultationId, req.limit, req.cursor, ctx.principal),
    );
    this.rpc.handle(
      m.publishConsultationSummary,
      this.log.wrap(m.publishConsultationSummary, async (req, ctx) => ({
        consultation: await this.consultations.publishSummary(req, ctx.principal),
      })),
    );
  }
}
