import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@linli/auth';
import { ResidentsGroupService, type ResidentsGroup } from '@linli/contracts';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsString, IsUUID, Length } from 'class-validator';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ApiIdempotencyKey, CommandRequestId, RequestId } from '../common/idempotency.js';
import { IdParams } from '../common/paging.dto.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import { ScopeNodeParams } from './governance.dto.js';

export class ResidentsGroupDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid', description: 'The community the group belongs to' })
  scopeNodeId: string;

  @ApiProperty({ example: '第一居民小组' })
  name: string;

  @ApiProperty({ type: [String], format: 'uuid', description: 'Compounds or buildings the group covers' })
  nodeIds: string[];

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'RC-4: 2 or 3 representatives (GROUP_REPS electors)',
  })
  representativeIds: string[];

  @ApiProperty()
  version: number;
}

export class ResidentsGroupListDto {
  @ApiProperty({ type: [ResidentsGroupDto] })
  items: ResidentsGroupDto[];
}

export class CreateResidentsGroupBody {
  @ApiProperty({ format: 'uuid', description: 'The community' })
  @IsUUID()
  scopeNodeId: string;

  @ApiProperty({ example: '第一居民小组', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: 200 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  nodeIds: string[];
}

export class SetGroupRepresentativesBody {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 2, maxItems: 3 })
  @IsArray()
  @ArrayMinSize(2, { message: 'RC-4: a group has 2 or 3 representatives' })
  @ArrayMaxSize(3, { message: 'RC-4: a group has 2 or 3 representatives' })
  @ArrayUnique()
  @IsUUID('all', { each: true })
  representativeIds: string[];
}

const toDto = (g: ResidentsGroup): ResidentsGroupDto => ({
  id: g.id,
  scopeNodeId: g.scopeNodeId,
  name: g.name,
  nodeIds: [...g.nodeIds],
  representativeIds: [...g.representativeIds],
  version: Number(g.version),
});

/** Residents' groups (居民小组) and their representatives: the GROUP_REPS electorate (RC-4). */
@ApiTags('governance')
@ApiBearerAuth()
@Controller('v1/governance')
export class ResidentsGroupsController {
  constructor(private readonly services: ServiceCaller) {}

  @Post('residents-groups')
  @HttpCode(201)
  @ApiOperation({ summary: "Set up a residents' group of a community" })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: ResidentsGroupDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async create(
    @Body() body: CreateResidentsGroupBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<ResidentsGroupDto> {
    const { group } = await this.services.call(
      ResidentsGroupService.method.createResidentsGroup,
      { scopeNodeId: body.scopeNodeId, name: body.name, nodeIds: body.nodeIds },
      principal,
      requestId,
    );
    return toDto(group!);
  }

  @Put('residents-groups/:id/representatives')
  @HttpCode(200)
  @ApiOperation({ summary: "Name the group's 2 or 3 representatives (RC-4)" })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: ResidentsGroupDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async setRepresentatives(
    @Param() params: IdParams,
    @Body() body: SetGroupRepresentativesBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<ResidentsGroupDto> {
    const { group } = await this.services.call(
      ResidentsGroupService.method.setGroupRepresentatives,
      { groupId: params.id, representativeIds: body.representativeIds },
      principal,
      requestId,
    );
    return toDto(group!);
  }

  @Get('nodes/:nodeId/residents-groups')
  @ApiOperation({ summary: "Residents' groups at or below a node" })
  @ApiOkResponse({ type: ResidentsGroupListDto })
  @ApiProblems(400, 401, 404)
  async list(
    @Param() params: ScopeNodeParams,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ResidentsGroupListDto> {
    const { groups } = await this.services.call(
      ResidentsGroupService.method.listResidentsGroups,
      { nodeId: params.nodeId },
      principal,
      requestId,
    );
    return { items: groups.map(toDto) };
  }
}
