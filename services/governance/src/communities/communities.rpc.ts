import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CommunityService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { CommunitiesService } from './communities.service.js';

@Injectable()
export class CommunitiesRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly communities: CommunitiesService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(CommunityService.method.getCommunitySummary, async (req, ctx) => ({
      summary: await this.communities.summary(req.communityId, ctx.principal),
    }));
  }
}
