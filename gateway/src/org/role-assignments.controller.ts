import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Principal } from '@linli/auth';
import { AccessService, ScopedRole, type RoleAssignment } from '@linli/contracts';
import { IsIn, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import { IdParams, PageQuery } from '../common/paging.dto.js';
import { NodeIdParams } from './nodes.dto.js';

export const ROLE_NAMES = [
  'city_admin',
  'district_operator',
  'street_operator',
  'community_operator',
  'compound_manager',
  'venue_operator',
  'auditor',
] as const;
type RoleName = (typeof ROLE_NAMES)[number];
const ROLE_ENUM: Record<RoleName, ScopedRole> = {
  city_admin: ScopedRole.CITY_ADMIN,
  district_operator: ScopedRole.DISTRICT_OPERATOR,
  street_operator: ScopedRole.STREET_OPERATOR,
  community_operator: ScopedRole.COMMUNITY_OPERATOR,
  compound_manager: ScopedRole.COMPOUND_MANAGER,
  venue_operator: ScopedRole.VENUE_OPERATOR,
  auditor: ScopedRole.AUDITOR,
};

export class RoleAssignmentDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ description: 'Keycloak subject (user or service-account id)' })
  subject: string;

  @ApiProperty({ enum: ROLE_NAMES })
  role: RoleName;

  @ApiProperty({ format: 'uuid' })
  nodeId: string;

  @ApiProperty({ example: '下涧槽社区' })
  nodeName: string;

  @ApiProperty({ format: 'date-time' })
  grantedAt: string;

  @ApiProperty()
  grantedBy: string;
}

export class RoleAssignmentPageDto {
  @ApiProperty({ type: [RoleAssignmentDto] })
  items: RoleAssignmentDto[];

  @ApiProperty({ type: String, required: false })
  nextCursor: string | null;
}

export class GrantRoleBody {
  @ApiProperty({ description: 'Keycloak subject (`sub`) of the user or service account' })
  @IsString()
  @Length(1, 255)
  subject: string;

  @ApiProperty({ enum: ROLE_NAMES })
  @IsIn(ROLE_NAMES)
  role: RoleName;

  @ApiProperty({ format: 'uuid', description: 'The node the role is held at; it covers the whole subtree' })
  @IsUUID()
  nodeId: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

function toDto(a: RoleAssignment): RoleAssignmentDto {
  return {
    id: a.id,
    subject: a.subject,
    role: (Object.entries(ROLE_ENUM).find(([, v]) => v === a.role)?.[0] ?? 'auditor') as RoleName,
    nodeId: a.nodeId,
    nodeName: a.nodeName,
    grantedAt: a.grantedAt ? timestampDate(a.grantedAt).toISOString() : new Date(0).toISOString(),
    grantedBy: a.grantedBy,
  };
}

/** Roles scoped to a subtree: who may act where. */
@ApiTags('org')
@ApiBearerAuth()
@Controller('v1/org')
export class RoleAssignmentsController {
  constructor(private readonly services: ServiceCaller) {}

  @Get('nodes/:id/role-assignments')
  @ApiOperation({ summary: 'Role assignments held at a node and below it' })
  @ApiOkResponse({ type: RoleAssignmentPageDto })
  @ApiProblems(400, 401, 404)
  async list(
    @Param() params: NodeIdParams,
    @Query() query: PageQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RoleAssignmentPageDto> {
    const page = await this.services.call(
      AccessService.method.listRoleAssignments,
      { nodeId: params.id, limit: query.limit ?? 50, cursor: query.cursor ?? '' },
      principal,
    );
    return { items: page.assignments.map(toDto), nextCursor: page.nextCursor || null };
  }

  @Post('role-assignments')
  @HttpCode(201)
  @ApiOperation({ summary: 'Grant a role at a node in your scope (never above your own role)' })
  @ApiCreatedResponse({ type: RoleAssignmentDto })
  @ApiProblems(400, 401, 403, 404, 409)
  async grant(
    @Body() body: GrantRoleBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RoleAssignmentDto> {
    const { assignment } = await this.services.call(
      AccessService.method.grantRole,
      { subject: body.subject, role: ROLE_ENUM[body.role], nodeId: body.nodeId, reason: body.reason ?? '' },
      principal,
    );
    return toDto(assignment!);
  }

  @Delete('role-assignments/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a role assignment (effective within seconds everywhere)' })
  @ApiProblems(400, 401, 404)
  async revoke(@Param() params: IdParams, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.services.call(
      AccessService.method.revokeRole,
      { assignmentId: params.id, reason: '' },
      principal,
    );
  }
}
