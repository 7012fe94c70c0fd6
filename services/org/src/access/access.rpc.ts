import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AccessService as AccessRpcService } from '@linli/contracts';
import { RpcError, RpcServer } from '@linli/messaging';
import { isAction } from './access-policy.js';
import { AccessService } from './access.service.js';

@Injectable()
export class AccessRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly access: AccessService,
  ) {}

  onModuleInit(): void {
    const m = AccessRpcService.method;
    this.rpc.handle(m.checkAccess, async (req) => {
      if (!isAction(req.action))
        throw RpcError.invalidArgument([{ field: 'action', description: 'is not a known action' }]);
      return { allowed: await this.access.check(req.subject, req.action, req.nodeId) };
    });
    this.rpc.handle(m.grantRole, async (req, ctx) => ({
      assignment: await this.access.grant(ctx.principal, req),
    }));
    this.rpc.handle(m.revokeRole, async (req, ctx) => {
      await this.access.revoke(ctx.principal, req.assignmentId);
      return {};
    });
    this.rpc.handle(m.listRoleAssignments, (req, ctx) =>
      this.access.list(ctx.principal, req.nodeId, req.limit, req.cursor),
    );
  }
}
