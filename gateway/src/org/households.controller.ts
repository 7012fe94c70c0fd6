import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
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
import {
  HouseholdService,
  MEMBER_RELATION_NAMES,
  MEMBER_RELATIONS,
  MemberRelation,
  memberRelationName,
  type Household,
  type MemberRelationName,
  type Resident,
} from '@linli/contracts';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import { RequestId } from '../common/idempotency.js';
import { IdParams, PageQuery } from '../common/paging.dto.js';
import { NodeIdParams } from './nodes.dto.js';

export class ResidentDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({
    example: '张三明',
    description: 'Masked (张*明) unless your role in this scope may see names',
  })
  name: string;

  @ApiProperty({
    example: '510104********123X',
    description: 'Masked unless revealed with VIEW_ID_FULL (PI-1)',
  })
  idNumber: string;

  @ApiProperty({ type: String, required: false, example: '138****1234' })
  mobile: string | null;

  @ApiProperty({ enum: ['male', 'female'] })
  sex: string;

  @ApiProperty({ example: 45 })
  age: number;

  @ApiProperty()
  idNumberRevealed: boolean;
}

export class HouseholdMemberDto {
  @ApiProperty({ type: ResidentDto })
  resident: ResidentDto;

  @ApiProperty({ enum: MEMBER_RELATION_NAMES })
  relation: MemberRelationName;

  @ApiProperty({ format: 'date-time' })
  joinedAt: string;

  @ApiProperty()
  representative: boolean;
}

export class HouseholdDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  nodeId: string;

  @ApiProperty({ example: '3栋2单元301' })
  label: string;

  @ApiProperty({ type: [HouseholdMemberDto] })
  members: HouseholdMemberDto[];

  @ApiProperty({ type: String, required: false, format: 'uuid' })
  representativeResidentId: string | null;

  @ApiProperty()
  version: number;
}

export class HouseholdPageDto {
  @ApiProperty({ type: [HouseholdDto] })
  items: HouseholdDto[];

  @ApiProperty({ type: String, required: false })
  nextCursor: string | null;
}

export class RegisterHouseholdBody {
  @ApiProperty({ example: '3栋2单元301' })
  @IsString()
  @Length(1, 64)
  label: string;
}

export class NewResidentBody {
  @ApiProperty({ example: '张三明' })
  @IsString()
  @Length(1, 64)
  name: string;

  @ApiProperty({
    example: '11010519491231002X',
    description: '18-character resident identity number (checked)',
  })
  @Matches(/^\d{17}[\dXx]$/, { message: 'idNumber must be an 18-character resident identity number' })
  idNumber: string;

  @ApiPropertyOptional({ example: '13812341234' })
  @IsOptional()
  @Matches(/^1\d{10}$/, { message: 'mobile must be an 11-digit mobile number' })
  mobile?: string;
}

export class GuardianConsentBody {
  @ApiProperty({ format: 'uuid', description: 'A registered adult resident who consents as guardian' })
  @IsUUID()
  guardianResidentId: string;

  @ApiProperty({ example: 'GC-2026-0001', description: 'Reference of the signed consent form' })
  @IsString()
  @Length(1, 200)
  documentRef: string;
}

export class AddMemberBody {
  @ApiProperty({ type: NewResidentBody })
  @ValidateNested()
  @Type(() => NewResidentBody)
  resident: NewResidentBody;

  @ApiProperty({ enum: MEMBER_RELATION_NAMES })
  @IsIn(MEMBER_RELATION_NAMES)
  relation: MemberRelationName;

  @ApiPropertyOptional({ type: GuardianConsentBody, description: 'Required for a person under 14 (PI-4)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => GuardianConsentBody)
  guardianConsent?: GuardianConsentBody;
}

export class ChangeRepresentativeBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  residentId: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class MoveHouseholdBody {
  @ApiProperty({
    format: 'uuid',
    description: 'The community, village, compound or building it lives at from now on',
  })
  @IsUUID()
  nodeId: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class LinkAccountBody {
  @ApiProperty({
    example: 'f1b2c3d4-0000-4000-8000-000000000001',
    description: 'The Keycloak subject (`sub`) the resident signs in as; empty unlinks',
    maxLength: 255,
  })
  @IsString()
  @Matches(/^[\x21-\x7e]{0,255}$/, {
    message: 'subject must be at most 255 visible ASCII characters (empty unlinks)',
  })
  subject: string;
}

export class MemberParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  residentId: string;
}

export class ResidentQuery {
  @ApiPropertyOptional({ description: 'Return the full ID number (needs VIEW_ID_FULL; logged)' })
  @IsOptional()
  @Transform(({ value }) => value === 'true' || value === true)
  @IsBoolean()
  revealIdNumber?: boolean;

  @ApiPropertyOptional({ description: 'Why the full ID number is needed (required with revealIdNumber)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  purpose?: string;
}

const relationName = (r: MemberRelation): MemberRelationName => memberRelationName(r) ?? 'other';

function toResidentDto(r: Resident): ResidentDto {
  return {
    id: r.id,
    name: r.name,
    idNumber: r.idNumber,
    mobile: r.mobile || null,
    sex: r.sex,
    age: r.age,
    idNumberRevealed: r.idNumberRevealed,
  };
}

function toHouseholdDto(h: Household): HouseholdDto {
  return {
    id: h.id,
    nodeId: h.nodeId,
    label: h.label,
    representativeResidentId: h.representativeResidentId || null,
    version: Number(h.version),
    members: h.members.map((m) => ({
      resident: toResidentDto(m.resident!),
      relation: relationName(m.relation),
      joinedAt: m.joinedAt ? timestampDate(m.joinedAt).toISOString() : new Date(0).toISOString(),
      representative: m.representative,
    })),
  };
}

/** Households (户), residents and representatives; personal data masked by role (PI-1, PI-2, PI-4). */
@ApiTags('org')
@ApiBearerAuth()
@Controller('v1/org')
export class HouseholdsController {
  constructor(private readonly services: ServiceCaller) {}

  @Post('nodes/:id/households')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a household at a community, village, compound or building' })
  @ApiCreatedResponse({ type: HouseholdDto })
  @ApiProblems(400, 401, 404, 409, 422)
  async register(
    @Param() params: NodeIdParams,
    @Body() body: RegisterHouseholdBody,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HouseholdDto> {
    const { household } = await this.services.call(
      HouseholdService.method.registerHousehold,
      { nodeId: params.id, label: body.label },
      principal,
    );
    void reply.header('location', `/v1/org/households/${household!.id}`);
    return toHouseholdDto(household!);
  }

  @Get('nodes/:id/households')
  @ApiOperation({ summary: 'Households registered at a node or anywhere below it' })
  @ApiOkResponse({ type: HouseholdPageDto })
  @ApiProblems(400, 401, 404)
  async list(
    @Param() params: NodeIdParams,
    @Query() query: PageQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HouseholdPageDto> {
    const page = await this.services.call(
      HouseholdService.method.listHouseholds,
      { nodeId: params.id, limit: query.limit ?? 50, cursor: query.cursor ?? '' },
      principal,
    );
    return { items: page.households.map(toHouseholdDto), nextCursor: page.nextCursor || null };
  }

  @Get('households/:id')
  @ApiOperation({ summary: 'A household with its members (masked by role)' })
  @ApiOkResponse({ type: HouseholdDto })
  @ApiProblems(400, 401, 404)
  async get(@Param() params: IdParams, @CurrentPrincipal() principal: Principal): Promise<HouseholdDto> {
    const { household } = await this.services.call(
      HouseholdService.method.getHousehold,
      { id: params.id },
      principal,
    );
    return toHouseholdDto(household!);
  }

  @Post('households/:id/members')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register a resident as a member of a household (under 14: guardian consent required)',
  })
  @ApiCreatedResponse({ type: HouseholdDto })
  @ApiProblems(400, 401, 404, 409, 422)
  async addMember(
    @Param() params: IdParams,
    @Body() body: AddMemberBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HouseholdDto> {
    const { household } = await this.services.call(
      HouseholdService.method.addMember,
      {
        householdId: params.id,
        resident: {
          name: body.resident.name,
          idNumber: body.resident.idNumber,
          mobile: body.resident.mobile ?? '',
        },
        relation: MEMBER_RELATIONS[body.relation],
        guardianConsent: body.guardianConsent,
      },
      principal,
    );
    return toHouseholdDto(household!);
  }

  @Put('households/:id/representative')
  @ApiOperation({ summary: 'Designate the household representative (an adult member); history is kept' })
  @ApiOkResponse({ type: HouseholdDto })
  @ApiProblems(400, 401, 404, 422)
  async representative(
    @Param() params: IdParams,
    @Body() body: ChangeRepresentativeBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HouseholdDto> {
    const { household } = await this.services.call(
      HouseholdService.method.changeRepresentative,
      { householdId: params.id, residentId: body.residentId, reason: body.reason ?? '' },
      principal,
    );
    return toHouseholdDto(household!);
  }

  @Get('residents/:id')
  @ApiOperation({
    summary:
      'A resident (masked); `revealIdNumber=true&purpose=…` returns the full ID number to VIEW_ID_FULL holders, logged',
  })
  @ApiOkResponse({ type: ResidentDto })
  @ApiProblems(400, 401, 403, 404)
  async resident(
    @Param() params: IdParams,
    @Query() query: ResidentQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ResidentDto> {
    const { resident } = await this.services.call(
      HouseholdService.method.getResident,
      { id: params.id, revealIdNumber: query.revealIdNumber ?? false, purpose: query.purpose ?? '' },
      principal,
    );
    return toResidentDto(resident!);
  }

  @Post('households/:id/move')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move a household to another node in your scope' })
  @ApiOkResponse({ type: HouseholdDto })
  @ApiProblems(400, 401, 404, 409, 422)
  async move(
    @Param() params: IdParams,
    @Body() body: MoveHouseholdBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HouseholdDto> {
    const { household } = await this.services.call(
      HouseholdService.method.moveHousehold,
      { householdId: params.id, nodeId: body.nodeId, reason: body.reason ?? '' },
      principal,
    );
    return toHouseholdDto(household!);
  }

  @Delete('households/:id/members/:residentId')
  @ApiOperation({ summary: 'A member leaves the household (moved out, deceased …); history is kept' })
  @ApiOkResponse({ type: HouseholdDto })
  @ApiProblems(400, 401, 404)
  async removeMember(
    @Param() params: MemberParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HouseholdDto> {
    const { household } = await this.services.call(
      HouseholdService.method.removeMember,
      { householdId: params.id, residentId: params.residentId, reason: '' },
      principal,
    );
    return toHouseholdDto(household!);
  }

  @Put('residents/:id/account')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Link the resident to the account they sign in with (one each way; empty unlinks)',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  async linkAccount(
    @Param() params: IdParams,
    @Body() body: LinkAccountBody,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    await this.services.call(
      HouseholdService.method.linkResidentAccount,
      { residentId: params.id, subject: body.subject },
      principal,
      requestId,
    );
  }
}
