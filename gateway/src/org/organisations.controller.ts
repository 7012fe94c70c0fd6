import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
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
import { OrganisationService, OrganisationType, type Membership, type Organisation } from '@linli/contracts';
import { Transform, Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import { IdParams } from '../common/paging.dto.js';
import { NodeIdParams } from './nodes.dto.js';

const TYPES = {
  party_organisation: OrganisationType.PARTY_ORGANISATION,
  residents_committee: OrganisationType.RESIDENTS_COMMITTEE,
  village_committee: OrganisationType.VILLAGE_COMMITTEE,
  owners_assembly: OrganisationType.OWNERS_ASSEMBLY,
  owners_committee: OrganisationType.OWNERS_COMMITTEE,
  property_company: OrganisationType.PROPERTY_COMPANY,
  deliberative_council: OrganisationType.DELIBERATIVE_COUNCIL,
  supervisory_board: OrganisationType.SUPERVISORY_BOARD,
  social_organisation: OrganisationType.SOCIAL_ORGANISATION,
  enterprise: OrganisationType.ENTERPRISE,
} as const;
type TypeName = keyof typeof TYPES;
const TYPE_NAMES = Object.keys(TYPES) as TypeName[];
const typeName = (t: OrganisationType) =>
  (TYPE_NAMES.find((n) => TYPES[n] === t) ?? 'enterprise') as TypeName;

export class MembershipDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  organisationId: string;

  @ApiProperty({ format: 'uuid' })
  residentId: string;

  @ApiProperty({ example: '刘建国', description: 'Masked unless your role here may see names' })
  residentName: string;

  @ApiProperty({ example: '主任' })
  position: string;

  @ApiProperty({ format: 'date' })
  termStart: string;

  @ApiProperty({ type: String, required: false, format: 'date' })
  termEnd: string | null;

  @ApiProperty({ type: String, required: false, format: 'date-time' })
  endedAt: string | null;
}

export class OrganisationDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  nodeId: string;

  @ApiProperty({ enum: TYPE_NAMES })
  type: TypeName;

  @ApiProperty({ example: '建设小区业主委员会' })
  name: string;

  @ApiProperty({ type: String, required: false })
  creditCode: string | null;

  @ApiProperty({ type: [MembershipDto], description: 'Current members' })
  members: MembershipDto[];

  @ApiProperty()
  version: number;
}

export class OrganisationPageDto {
  @ApiProperty({ type: [OrganisationDto] })
  items: OrganisationDto[];

  @ApiProperty({ type: String, required: false })
  nextCursor: string | null;
}

export class RegisterOrganisationBody {
  @ApiProperty({ enum: TYPE_NAMES })
  @IsIn(TYPE_NAMES)
  type: TypeName;

  @ApiProperty({ example: '建设小区业主委员会' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({ description: 'Unified social credit code (统一社会信用代码)' })
  @IsOptional()
  @Matches(/^[0-9A-HJ-NP-RTUWXY]{18}$/, {
    message: 'creditCode must be an 18-character unified social credit code',
  })
  creditCode?: string;
}

export class OrganisationsQuery {
  @ApiPropertyOptional({ description: 'Comma-separated organisation types' })
  @IsOptional()
  @Transform(({ value }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
      : value,
  )
  @IsArray()
  @IsIn(TYPE_NAMES, { each: true })
  types?: TypeName[];

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}

export class AddMembershipBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  residentId: string;

  @ApiProperty({ example: '主任' })
  @IsString()
  @Length(1, 40)
  position: string;

  @ApiProperty({ format: 'date', example: '2026-01-01' })
  @IsISO8601({ strict: true })
  termStart: string;

  @ApiPropertyOptional({ format: 'date', example: '2031-01-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  termEnd?: string;
}

export class EndMembershipBody {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

function toMembershipDto(m: Membership): MembershipDto {
  return {
    id: m.id,
    organisationId: m.organisationId,
    residentId: m.residentId,
    residentName: m.residentName,
    position: m.position,
    termStart: m.termStart,
    termEnd: m.termEnd || null,
    endedAt: m.endedAt ? timestampDate(m.endedAt).toISOString() : null,
  };
}

function toOrganisationDto(o: Organisation): OrganisationDto {
  return {
    id: o.id,
    nodeId: o.nodeId,
    type: typeName(o.type),
    name: o.name,
    creditCode: o.creditCode || null,
    members: o.members.map(toMembershipDto),
    version: Number(o.version),
  };
}

/** Organisations on nodes and their members' terms. */
@ApiTags('org')
@ApiBearerAuth()
@Controller('v1/org')
export class OrganisationsController {
  constructor(private readonly services: ServiceCaller) {}

  @Post('nodes/:id/organisations')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register an organisation on a node (party organisation, committee, owners’ body, company …)',
  })
  @ApiCreatedResponse({ type: OrganisationDto })
  @ApiProblems(400, 401, 404, 409, 422)
  async register(
    @Param() params: NodeIdParams,
    @Body() body: RegisterOrganisationBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrganisationDto> {
    const { organisation } = await this.services.call(
      OrganisationService.method.registerOrganisation,
      { nodeId: params.id, type: TYPES[body.type], name: body.name, creditCode: body.creditCode ?? '' },
      principal,
    );
    return toOrganisationDto(organisation!);
  }

  @Get('nodes/:id/organisations')
  @ApiOperation({ summary: 'Organisations on a node or below it' })
  @ApiOkResponse({ type: OrganisationPageDto })
  @ApiProblems(400, 401, 404)
  async list(
    @Param() params: NodeIdParams,
    @Query() query: OrganisationsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrganisationPageDto> {
    const page = await this.services.call(
      OrganisationService.method.listOrganisations,
      {
        nodeId: params.id,
        types: (query.types ?? []).map((t) => TYPES[t]),
        limit: query.limit ?? 50,
        cursor: query.cursor ?? '',
      },
      principal,
    );
    return { items: page.organisations.map(toOrganisationDto), nextCursor: page.nextCursor || null };
  }

  @Get('organisations/:id')
  @ApiOperation({ summary: 'An organisation with its current members' })
  @ApiOkResponse({ type: OrganisationDto })
  @ApiProblems(400, 401, 404)
  async get(@Param() params: IdParams, @CurrentPrincipal() principal: Principal): Promise<OrganisationDto> {
    const { organisation } = await this.services.call(
      OrganisationService.method.getOrganisation,
      { id: params.id },
      principal,
    );
    return toOrganisationDto(organisation!);
  }

  @Post('organisations/:id/memberships')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Appoint a resident for a term (cross-appointments across organisations are allowed)',
  })
  @ApiCreatedResponse({ type: MembershipDto })
  @ApiProblems(400, 401, 404, 409)
  async addMembership(
    @Param() params: IdParams,
    @Body() body: AddMembershipBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<MembershipDto> {
    const { membership } = await this.services.call(
      OrganisationService.method.addMembership,
      {
        organisationId: params.id,
        residentId: body.residentId,
        position: body.position,
        termStart: body.termStart,
        termEnd: body.termEnd ?? '',
      },
      principal,
    );
    return toMembershipDto(membership!);
  }

  @Post('memberships/:id/end')
  @HttpCode(204)
  @ApiOperation({ summary: 'End a membership (resignation, removal)' })
  @ApiProblems(400, 401, 404)
  async end(
    @Param() params: IdParams,
    @Body() body: EndMembershipBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.services.call(
      OrganisationService.method.endMembership,
      { membershipId: params.id, reason: body.reason ?? '' },
      principal,
    );
  }
}
