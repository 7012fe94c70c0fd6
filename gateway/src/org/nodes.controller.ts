import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
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
import { CurrentPrincipal, RequireRoles } from '../common/auth.guard.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import {
  ChildrenQuery,
  FindNodesQuery,
  NodeDto,
  NodeIdParams,
  NodeListDto,
  NodePageDto,
  RegisterNodeBody,
} from './nodes.dto.js';
import { kindFromName, toNodeDto } from './nodes.mapper.js';
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
  @RequireRoles('operator')
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
  @ApiProblems(400, 401, 403, 404, 409, 422)
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
}
