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
import { AreaSource, DwellingService, type Dwelling } from '@linli/contracts';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
} from 'class-validator';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import { IdParams } from '../common/paging.dto.js';
import { NodeIdParams } from './nodes.dto.js';

const SOURCES = {
  register: AreaSource.REGISTER,
  survey: AreaSource.SURVEY,
  contract: AreaSource.CONTRACT,
} as const;
type SourceName = keyof typeof SOURCES;

/** "89.5" → 8950 hundredths of a square metre: exact, no floating point. */
export function areaToCenti(area: string): bigint {
  const [whole, fraction = ''] = area.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

export function centiToArea(centi: bigint): string {
  const whole = centi / 100n;
  const fraction = (centi % 100n).toString().padStart(2, '0');
  return `${whole}.${fraction}`;
}

export class DwellingDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  nodeId: string;

  @ApiProperty({ example: '2单元301' })
  label: string;

  @ApiProperty({ example: '89.50', description: 'Exclusive floor area in m², exact to 0.01' })
  exclusiveArea: string;

  @ApiProperty({ enum: Object.keys(SOURCES) })
  areaSource: SourceName;

  @ApiProperty({ description: 'Unsold or undelivered (held by the developer)' })
  developerHeld: boolean;

  @ApiProperty({ type: [String] })
  ownerResidentIds: string[];
}

export class OwnersRollDto {
  @ApiProperty({ format: 'uuid' })
  nodeId: string;

  @ApiProperty({ description: 'Owners by headcount (OW-1)' })
  headcount: number;

  @ApiProperty({ example: '12345.67', description: 'Total exclusive area in m²' })
  exclusiveArea: string;

  @ApiProperty()
  dwellingCount: number;

  @ApiProperty()
  developerHeldCount: number;
}

export class RegisterDwellingBody {
  @ApiProperty({ example: '2单元301' })
  @IsString()
  @Length(1, 64)
  label: string;

  @ApiProperty({ example: '89.50', description: 'm², at most two decimals' })
  @Matches(/^\d{1,5}(\.\d{1,2})?$/, {
    message: 'exclusiveArea must be square metres with at most two decimals',
  })
  exclusiveArea: string;

  @ApiProperty({ enum: Object.keys(SOURCES), description: 'register > survey > contract (OW-1)' })
  @IsIn(Object.keys(SOURCES))
  areaSource: SourceName;

  @ApiProperty({ required: false, default: true })
  @IsOptional()
  @IsBoolean()
  developerHeld?: boolean;
}

export class SetOwnersBody {
  @ApiProperty({
    type: [String],
    description: 'Registered residents who own it from now on; [] = developer-held',
  })
  @IsArray()
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true })
  ownerResidentIds: string[];
}

function toDto(d: Dwelling): DwellingDto {
  return {
    id: d.id,
    nodeId: d.nodeId,
    label: d.label,
    exclusiveArea: centiToArea(d.areaCentiM2),
    areaSource: (Object.entries(SOURCES).find(([, v]) => v === d.areaSource)?.[0] ??
      'contract') as SourceName,
    developerHeld: d.developerHeld,
    ownerResidentIds: d.ownerResidentIds,
  };
}

/** Dwellings, owners and the owners' roll that owners' votes count against (OW-1). */
@ApiTags('org')
@ApiBearerAuth()
@Controller('v1/org')
export class DwellingsController {
  constructor(private readonly services: ServiceCaller) {}

  @Post('nodes/:id/dwellings')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register a dwelling (exclusive part) of a compound or building with its floor area',
  })
  @ApiCreatedResponse({ type: DwellingDto })
  @ApiProblems(400, 401, 404, 409, 422)
  async register(
    @Param() params: NodeIdParams,
    @Body() body: RegisterDwellingBody,
    @CurrentPrincipal() principal: Principal,
  ) {
    const { dwelling } = await this.services.call(
      DwellingService.method.registerDwelling,
      {
        nodeId: params.id,
        label: body.label,
        areaCentiM2: areaToCenti(body.exclusiveArea),
        areaSource: SOURCES[body.areaSource],
        developerHeld: body.developerHeld ?? true,
      },
      principal,
    );
    return toDto(dwelling!);
  }

  @Put('dwellings/:id/owners')
  @ApiOperation({ summary: 'Set the owners of a dwelling from now on (history kept; co-owners allowed)' })
  @ApiOkResponse({ type: DwellingDto })
  @ApiProblems(400, 401, 404)
  async owners(
    @Param() params: IdParams,
    @Body() body: SetOwnersBody,
    @CurrentPrincipal() principal: Principal,
  ) {
    const { dwelling } = await this.services.call(
      DwellingService.method.setOwners,
      { dwellingId: params.id, ownerResidentIds: body.ownerResidentIds },
      principal,
    );
    return toDto(dwelling!);
  }

  @Get('nodes/:id/owners-roll')
  @ApiOperation({ summary: "The owners' roll of a compound: headcount and exclusive area (OW-1)" })
  @ApiOkResponse({ type: OwnersRollDto })
  @ApiProblems(400, 401, 404)
  async roll(
    @Param() params: NodeIdParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OwnersRollDto> {
    const { roll } = await this.services.call(
      DwellingService.method.getOwnersRoll,
      { nodeId: params.id },
      principal,
    );
    return {
      nodeId: roll!.nodeId,
      headcount: Number(roll!.headcount),
      exclusiveArea: centiToArea(roll!.areaCentiM2),
      dwellingCount: Number(roll!.dwellingCount),
      developerHeldCount: Number(roll!.developerHeldCount),
    };
  }
}
