import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ImportService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { ImportsService } from './imports.service.js';

@Injectable()
export class ImportsRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly imports: ImportsService,
  ) {}

  onModuleInit(): void {
    const m = ImportService.method;
    this.rpc.handle(m.startHouseholdsImport, async (req, ctx) => ({
      job: await this.imports.start(req.uploadName, req.fileName, ctx.principal),
    }));
    this.rpc.handle(m.getImportJob, async (req, ctx) => ({
      job: await this.imports.get(req.id, ctx.principal),
    }));
  }
}
