import { Injectable, type OnModuleInit } from '@nestjs/common';
import { NodeService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { NodesService } from './nodes.service.js';

/** Thin adapters: decode (done by RpcServer), call one use case, encode. */
@Injectable()
export class NodesRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly nodes: NodesService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(NodeService.method.getNode, async (req) => ({ node: await this.nodes.getNode(req.id) }));
    this.rpc.handle(NodeService.method.findNodeByCode, async (req) => ({
      node: await this.nodes.findByCode(req.code),
    }));
    this.rpc.handle(NodeService.method.listChildren, (req) => this.nodes.listChildren(req));
    this.rpc.handle(NodeService.method.registerNode, async (req, ctx) => ({
      node: await this.nodes.registerNode(req, ctx.principal),
    }));
  }
}
