import { Injectable, type OnModuleInit } from '@nestjs/common';
import { NodeService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { NodesService } from './nodes.service.js';

/** Thin adapters: decode (done by RpcServer), call one use case with the forwarded principal, encode. */
@Injectable()
export class NodesRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly nodes: NodesService,
  ) {}

  onModuleInit(): void {
    const m = NodeService.method;
    this.rpc.handle(m.getNode, async (req, ctx) => ({
      node: await this.nodes.getNode(req.id, ctx.principal),
    }));
    this.rpc.handle(m.findNodeByCode, async (req, ctx) => ({
      node: await this.nodes.findByCode(req.code, ctx.principal),
    }));
    this.rpc.handle(m.listChildren, (req, ctx) => this.nodes.listChildren(req, ctx.principal));
    this.rpc.handle(m.registerNode, async (req, ctx) => ({
      node: await this.nodes.registerNode(req, ctx.principal),
    }));
    this.rpc.handle(m.getNodePath, async (req, ctx) => ({
      path: await this.nodes.path(req.id, ctx.principal),
    }));
    this.rpc.handle(m.listSubtree, (req, ctx) => this.nodes.listSubtree(req, ctx.principal));
    this.rpc.handle(m.searchNodes, async (req, ctx) => ({
      nodes: await this.nodes.search(req, ctx.principal),
    }));
    this.rpc.handle(m.countSubtree, async (req, ctx) => ({
      counts: await this.nodes.countSubtree(req.rootId, ctx.principal),
    }));
    this.rpc.handle(m.renameNode, async (req, ctx) => ({
      node: await this.nodes.rename(req, ctx.principal),
    }));
    this.rpc.handle(m.moveNode, async (req, ctx) => ({ node: await this.nodes.move(req, ctx.principal) }));
    this.rpc.handle(m.setManagingAuthority, async (req, ctx) => ({
      node: await this.nodes.setManagingAuthority(req, ctx.principal),
    }));
    this.rpc.handle(m.retireNode, async (req, ctx) => {
      await this.nodes.retire(req, ctx.principal);
      return {};
    });
  }
}
