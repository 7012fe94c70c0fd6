import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsPeriod } from './governance.dto.js';

export const HONOUREES = ['household', 'resident'] as const;
export type Honouree = (typeof HONOUREES)[number];

export class HonourSchemeDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  scopeNodeId: string;

  @ApiProperty({ example: '最美家庭' })
  title: string;

  @ApiProperty({ enum: HONOUREES })
  honouree: string;

  @ApiProperty({ description: 'Last period’s winner may not be nominated in the next one' })
  excludePreviousWinner: boolean;

  @ApiProperty({ example: 1, description: 'Nominations per building or compound and period' })
  nominationsPerUnit: number;
}

export class HonourNominationDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  schemeId: string;

  @ApiProperty({ example: '2026-03', description: 'YYYY-MM' })
  period: string;

  @ApiProperty({ format: 'uuid', description: 'The building or compound the nomination comes from' })
  unitNodeId: string;

  @ApiProperty({ type: String, format: 'uuid', required: false })
  householdId: string | null;

  @ApiProperty({ type: String, format: 'uuid', required: false })
  residentId: string | null;

  @ApiProperty({ example: '张*明家庭', description: 'Masked unless public-name consent is recorded (PI-3)' })
  displayName: string;

  @ApiProperty()
  votes: number;

  @ApiProperty()
  awarded: boolean;
}

export class HonourNominationListDto {
  @ApiProperty({ type: [HonourNominationDto] })
  items: HonourNominationDto[];
}

export class HonourAwardDto {
  @ApiProperty({ format: 'uuid' })
  schemeId: string;

  @ApiProperty({ example: '最美家庭' })
  schemeTitle: string;

  @ApiProperty({ example: '2026-03' })
  period: string;

  @ApiProperty({ format: 'uuid' })
  nominationId: string;

  @ApiProperty({ example: '张*明家庭' })
  displayName: string;

  @ApiProperty({ format: 'uuid', description: 'The meeting that voted' })
  meetingId: string;

  @ApiProperty()
  votes: number;

  @ApiProperty({ format: 'date-time' })
  awardedAt: string;
}

export class AwardResultDto {
  @ApiProperty({
    type: HonourAwardDto,
    required: false,
    description: 'null when the top of the vote is tied',
  })
  award: HonourAwardDto | null;

  @ApiProperty({ description: 'true: the top of the vote is tied and a re-vote is needed' })
  tie: boolean;
}

export class HonourRollDto {
  @ApiProperty({ type: [HonourAwardDto] })
  items: HonourAwardDto[];

  @ApiProperty({ type: String, required: false, description: 'null on the last page' })
  nextCursor: string | null;
}

export class CreateHonourSchemeBody {
  @ApiProperty({ format: 'uuid', description: 'The community or compound the honour belongs to' })
  @IsUUID()
  scopeNodeId: string;

  @ApiProperty({ example: '最美家庭', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  title: string;

  @ApiProperty({ enum: HONOUREES })
  @IsIn(HONOUREES)
  honouree: Honouree;

  @ApiPropertyOptional({ description: 'Last period’s winner may not be nominated in the next one' })
  @IsOptional()
  @IsBoolean()
  excludePreviousWinner?: boolean;

  @ApiProperty({ minimum: 1, maximum: 20, example: 1, description: 'Per building or compound and period' })
  @IsInt()
  @Min(1)
  @Max(20)
  nominationsPerUnit: number;
}

export class NominateForHonourBody {
  @ApiProperty({ example: '2026-03', description: 'YYYY-MM' })
  @IsPeriod()
  period: string;

  @ApiProperty({ format: 'uuid', description: 'The building or compound nominating' })
  @IsUUID()
  unitNodeId: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'For household honours; or give residentId' })
  @ValidateIf((o: NominateForHonourBody) => o.householdId !== undefined || o.residentId === undefined)
  @IsDefined({ message: 'householdId or residentId is required' })
  @IsUUID()
  householdId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'For resident honours' })
  @IsOptional()
  @IsUUID()
  residentId?: string;

  @ApiProperty({ example: '张三明家庭', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  displayName: string;

  @ApiPropertyOptional({ description: 'The nominee consented to their name on the honour roll (PI-3)' })
  @IsOptional()
  @IsBoolean()
  publicNameConsent?: boolean;
}

export class NominationsQuery {
  @ApiProperty({ example: '2026-03', description: 'YYYY-MM' })
  @IsPeriod()
  period: string;
}

export class NominationVotesBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  nominationId: string;

  @ApiProperty({ minimum: 0, maximum: 100000 })
  @IsInt()
  @Min(0)
  @Max(100000)
  votes: number;
}

export class AwardHonourBody {
  @ApiProperty({ example: '2026-03', description: 'YYYY-MM' })
  @IsPeriod()
  period: string;

  @ApiProperty({ format: 'uuid', description: 'The quorate meeting that voted' })
  @IsUUID()
  meetingId: string;

  @ApiProperty({ type: [NominationVotesBody], minItems: 1, maxItems: 200 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => NominationVotesBody)
  votes: NominationVotesBody[];
}
