import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@linli/auth';
import { ErrorCode, NodeService } from '@linli/contracts';
import { RpcError } from '@linli/messaging';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import {
  ChildrenQuery,
  FindNodesQuery,
  ManagingAuthorityBody,
  MoveNodeBody,
  NodeCountsDto,
  NodeDto,
  NodeIdParams,
  NodeListDto,
  NodePageDto,
  NodePathDto,
  RegisterNodeBody,
  RenameNodeBody,
  RetireNodeBody,
  SearchQuery,
  SubtreeQuery,
  type NodeKindName,
} from './nodes.dto.js';
import { kindFromName, kindToName, toNodeDto } from './nodes.mapper.js';
import { IdempotencyKey } from '../common/idempotency.js';

@ApiTags('org')
@ApiBearerAuth()
@Controller('v1/org/nodes')
export class NodesController {
  constructor(private readonly services: ServiceCaller) {}

  @Get()
  @ApiOperation({
    summary: 'Find nodes by statistical code',
    description: '`GET /v1/org/nodes?code=510108007003`',
  })
  @ApiOkResponse({ type: NodeListDto })
  @ApiProblems(400, 401)
  async find(@Query() query: FindNodesQuery, @CurrentPrincipal() principal: Principal): Promise<NodeListDto> {
    try {
      const { node } = await this.services.call(
        NodeService.method.findNodeByCode,
        { code: query.code },
        principal,
      );
      return { items: node ? [toNodeDto(node)] : [] };
    } catch (e) {
      if (e instanceof RpcError && e.code === ErrorCode.NOT_FOUND) return { items: [] };
      throw e;
    }
  }

  @Get('search')
  @ApiOperation({
    summary: 'Search nodes by part of their name, within your scope',
    description: '`?q=二仙桥&kinds=street,community`',
  })
  @ApiOkResponse({ type: NodeListDto })
  @ApiProblems(400, 401, 404)
  async search(@Query() query: SearchQuery, @CurrentPrincipal() principal: Principal): Promise<NodeListDto> {
    const { nodes } = await this.services.call(
      NodeService.method.searchNodes,
      {
        query: query.q,
        rootId: query.rootId ?? '',
        kinds: (query.kinds ?? []).map(kindFromName),
        limit: query.limit ?? 20,
      },
      principal,
    );
    return { items: nodes.map(toNodeDto) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a node of the division tree' })
  @ApiOkResponse({ type: NodeDto })
  @ApiProblems(400, 401, 404)
  async get(@Param() params: NodeIdParams, @CurrentPrincipal() principal: Principal): Promise<NodeDto> {
    const { node } = await this.services.call(NodeService.method.getNode, { id: params.id }, principal);
    return toNodeDto(node!);
  }

  @Get(':id/children')
  @ApiOperation({ summary: "A page of a node's children (cursor pagination)" })
  @ApiOkResponse({ type: NodePageDto })
  @ApiProblems(400, 401, 404)
  async children(
    @Param() params: NodeIdParams,
    @Query() query: ChildrenQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NodePageDto> {
    const page = await this.services.call(
      NodeService.method.listChildren,
      { parentId: params.id, limit: query.limit ?? 50, cursor: query.cursor ?? '' },
      principal,
    );
    return { items: page.nodes.map(toNodeDto), nextCursor: page.nextCursor || null };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add a node under a street, town or community in your scope',
    description: 'Operators outside the parent’s subtree get 404. Emits evt.org.v1.node_registered.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeat-safe key: the same key returns the same node',
  })
  @ApiCreatedResponse({ type: NodeDto })
  @ApiProblems(400, 401, 404, 409, 422)
  async register(
    @Body() body: RegisterNodeBody,
    @CurrentPrincipal() principal: Principal,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NodeDto> {
    const { node } = await this.services.call(
      NodeService.method.registerNode,
      {
        parentId: body.parentId,
        kind: kindFromName(body.kind),
        name: body.name,
        code: body.code ?? '',
        requestId: idempotencyKey ?? '',
      },
      principal,
      idempotencyKey,
    );
    void reply.header('location', `/v1/org/nodes/${node!.id}`);
    return toNodeDto(node!);
  }

  @Get(':id/path')
  @ApiOperation({ summary: 'Breadcrumbs: the node and its ancestors from the root down' })
  @ApiOkResponse({ type: NodePathDto })
  @ApiProblems(400, 401, 404)
  async path(@Param() params: NodeIdParams, @CurrentPrincipal() principal: Principal): Promise<NodePathDto> {
    const { path } = await this.services.call(NodeService.method.getNodePath, { id: params.id }, principal);
    return { items: path.map((p) => ({ id: p.id, kind: kindToName(p.kind) as NodeKindName, name: p.name })) };
  }

  @Get(':id/subtree')
  @ApiOperation({
    summary: 'Everything under a node, in tree order (cursor pagination); `at` gives the tree on a past date',
  })
  @ApiOkResponse({ type: NodePageDto })
  @ApiProblems(400, 401, 404)
  async subtree(
    @Param() params: NodeIdParams,
    @Query() query: SubtreeQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NodePageDto> {
    const page = await this.services.call(
      NodeService.method.listSubtree,
      {
        rootId: params.id,
        kinds: (query.kinds ?? []).map(kindFromName),
        limit: query.limit ?? 100,
        cursor: query.cursor ?? '',
        at: query.at ? timestampFromDate(new Date(query.at)) : undefined,
      },
      principal,
    );
    return { items: page.nodes.map(toNodeDto), nextCursor: page.nextCursor || null };
  }

  @Get(':id/counts')
  @ApiOperation({ summary: 'Roll-up: how many live nodes of each kind sit under a node' })
  @ApiOkResponse({ type: NodeCountsDto })
  @ApiProblems(400, 401, 404)
  async counts(
    @Param() params: NodeIdParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NodeCountsDto> {
    const { counts } = await this.services.call(
      NodeService.method.countSubtree,
      { rootId: params.id },
      principal,
    );
    return {
      items: counts.map((c) => ({ kind: kindToName(c.kind) as NodeKindName, count: Number(c.count) })),
    };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a node (dated, audited; emits evt.org.v1.node_renamed)' })
  @ApiOkResponse({ type: NodeDto })
  @ApiProblems(400, 401, 404, 409)
  async rename(
    @Param() params: NodeIdParams,
    @Body() body: RenameNodeBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NodeDto> {
    const { node } = await this.services.call(
      NodeService.method.renameNode,
      {
        id: params.id,
        name: body.name,
        reason: body.reason ?? '',
        expectedVersion: BigInt(body.expectedVersion ?? 0),
      },
      principal,
    );
    return toNodeDto(node!);
  }

  @Post(':id/move')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move a node with its whole subtree under another parent in your scope' })
  @ApiOkResponse({ type: NodeDto })
  @ApiProblems(400, 401, 404, 409, 422)
  async move(
    @Param() params: NodeIdParams,
    @Body() body: MoveNodeBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NodeDto> {
    const { node } = await this.services.call(
      NodeService.method.moveNode,
      {
        id: params.id,
        newParentId: body.newParentId,
        reason: body.reason ?? '',
        expectedVersion: BigInt(body.expectedVersion ?? 0),
      },
      principal,
    );
    return toNodeDto(node!);
  }

  @Put(':id/managing-authority')
  @ApiOperation({
    summary: 'Set the zone or district that administers a street (its statistical parent does not change)',
  })
  @ApiOkResponse({ type: NodeDto })
  @ApiProblems(400, 401, 404, 422)
  async managingAuthority(
    @Param() params: NodeIdParams,
    @Body() body: ManagingAuthorityBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NodeDto> {
    const { node } = await this.services.call(
      NodeService.method.setManagingAuthority,
      { nodeId: params.id, authorityNodeId: body.authorityNodeId ?? '', reason: body.reason ?? '' },
      principal,
    );
    return toNodeDto(node!);
  }

  @Post(':id/retire')
  @HttpCode(204)
  @ApiOperation({ summary: 'Retire a node from now on (its history is kept)' })
  @ApiProblems(400, 401, 404, 409, 422)
  async retire(
    @Param() params: NodeIdParams,
    @Body() body: RetireNodeBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.services.call(
      NodeService.method.retireNode,
      { id: params.id, reason: body.reason ?? '', expectedVersion: BigInt(body.expectedVersion ?? 0) },
      principal,
    );
  }
}
