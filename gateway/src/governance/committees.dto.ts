import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { IsDay, PORTFOLIO_PATTERN } from './governance.dto.js';

export const COMMITTEE_TYPES = [
  'residents',
  'village',
  'owners',
  'deliberative_council',
  'supervisory_board',
  'co_building',
  'co_governance',
] as const;
export type CommitteeTypeName = (typeof COMMITTEE_TYPES)[number];

export const SEAT_POSITIONS = ['chair', 'vice_chair', 'member'] as const;
export type SeatPositionName = (typeof SEAT_POSITIONS)[number];

/** Reasons a caller may end a seat with (`term_ended` is the service's own). */
export const SEAT_END_REASONS = ['resigned', 'removed'] as const;
export type SeatEndReason = (typeof SEAT_END_REASONS)[number];

const PORTFOLIO_MESSAGE = 'portfolio keys are lower-case snake_case, 1–40 characters (e.g. water_resources)';

export class SeatDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: SEAT_POSITIONS })
  position: SeatPositionName | 'unspecified';

  @ApiProperty({ type: String, required: false, example: 'water_resources', description: 'null if none' })
  portfolio: string | null;

  @ApiProperty({ format: 'uuid' })
  residentId: string;

  @ApiProperty({ example: '刘*国', description: 'Masked in public views unless the member consented (PI-3)' })
  displayName: string;

  @ApiProperty({ format: 'date', example: '2026-07-01', description: 'Inclusive' })
  validFrom: string;

  @ApiProperty({ type: String, format: 'date', required: false, description: 'Exclusive; null while held' })
  validTo: string | null;

  @ApiProperty({ example: 'election:0193a3c4-0000-7000-8000-000000000001' })
  source: string;

  @ApiProperty({
    type: String,
    required: false,
    enum: ['resigned', 'removed', 'term_ended'],
    description: 'null while held',
  })
  endReason: string | null;
}

export class CommitteeDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: COMMITTEE_TYPES, example: 'co_building' })
  type: CommitteeTypeName | 'unspecified';

  @ApiProperty({ format: 'uuid' })
  scopeNodeId: string;

  @ApiProperty({ example: '下涧槽社区共建委员会' })
  name: string;

  @ApiProperty({ example: 7, description: 'Number of seats' })
  size: number;

  @ApiProperty({ format: 'date' })
  termStart: string;

  @ApiProperty({ format: 'date', description: 'Exclusive' })
  termEnd: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    required: false,
    description: 'The meeting decision that mandated the committee (mandated committees only)',
  })
  mandateDecisionId: string | null;

  @ApiProperty({ type: [String], example: ['flowers', 'sanitation'] })
  portfolios: string[];

  @ApiProperty({ type: [SeatDto], description: 'Seats held now' })
  seats: SeatDto[];

  @ApiProperty({ example: 2 })
  vacancies: number;

  @ApiProperty({ example: 1 })
  version: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class CommitteePageDto {
  @ApiProperty({ type: [CommitteeDto] })
  items: CommitteeDto[];

  @ApiProperty({ type: String, required: false, description: 'null on the last page' })
  nextCursor: string | null;
}

export class RosterDto {
  @ApiProperty({ type: [SeatDto] })
  items: SeatDto[];
}

export class CreateCommitteeBody {
  @ApiProperty({ enum: COMMITTEE_TYPES, example: 'co_building' })
  @IsIn(COMMITTEE_TYPES)
  type: CommitteeTypeName;

  @ApiProperty({ format: 'uuid', description: 'The community, village or compound the committee serves' })
  @IsUUID()
  scopeNodeId: string;

  @ApiProperty({ example: '下涧槽社区共建委员会', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({
    minimum: 1,
    maximum: 99,
    example: 7,
    description: 'Seats (the type’s rules apply, e.g. RC-1)',
  })
  @IsInt()
  @Min(1)
  @Max(99)
  size: number;

  @ApiProperty({ format: 'date', example: '2026-07-01' })
  @IsDay()
  termStart: string;

  @ApiPropertyOptional({ format: 'date', description: 'Exclusive; omitted: the term the type’s rules give' })
  @IsOptional()
  @IsDay()
  termEnd?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for co_building and co_governance' })
  @IsOptional()
  @IsUUID()
  mandateDecisionId?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 20, example: ['flowers', 'water_resources'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(PORTFOLIO_PATTERN, { each: true, message: PORTFOLIO_MESSAGE })
  portfolios?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 99, description: 'Women among the members (village, VC-1)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(99)
  womenRequired?: number;
}

export class AppointSeatBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  residentId: string;

  @ApiProperty({ example: '刘建国', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  displayName: string;

  @ApiProperty({ enum: SEAT_POSITIONS, example: 'member' })
  @IsIn(SEAT_POSITIONS)
  position: SeatPositionName;

  @ApiPropertyOptional({ example: 'sanitation', description: 'One of the committee’s portfolio keys' })
  @IsOptional()
  @Matches(PORTFOLIO_PATTERN, { message: PORTFOLIO_MESSAGE })
  portfolio?: string;

  @ApiProperty({ format: 'uuid', description: 'The meeting decision that appoints the member' })
  @IsUUID()
  decisionId: string;

  @ApiPropertyOptional({ description: 'The member consented to their name on public notices (PI-3)' })
  @IsOptional()
  @IsBoolean()
  publicNameConsent?: boolean;

  @ApiPropertyOptional({ format: 'date', description: 'Omitted: today' })
  @IsOptional()
  @IsDay()
  validFrom?: string;

  @ApiPropertyOptional({ description: 'For the village committee composition rule (VC-1); never shown' })
  @IsOptional()
  @IsBoolean()
  woman?: boolean;
}

export class AssignPortfolioBody {
  @ApiProperty({ example: 'greening', description: 'A portfolio key of the committee; empty clears it' })
  @IsString()
  @Matches(/^([a-z][a-z0-9_]{0,39})?$/, { message: PORTFOLIO_MESSAGE })
  portfolio: string;
}

export class EndSeatBody {
  @ApiProperty({ enum: SEAT_END_REASONS })
  @IsIn(SEAT_END_REASONS)
  reason: SeatEndReason;

  @ApiPropertyOptional({ format: 'uuid', description: 'The meeting decision (required for removal, RC-7)' })
  @IsOptional()
  @IsUUID()
  decisionId?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Omitted: today' })
  @IsOptional()
  @IsDay()
  effectiveOn?: string;
}

export class RosterQuery {
  @ApiPropertyOptional({ format: 'date', description: 'The roster on that day; omitted: the whole history' })
  @IsOptional()
  @IsDay()
  on?: string;
}
