import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { COMMITTEE_TYPES, type CommitteeTypeName } from './committees.dto.js';
import { IsInstant, PORTFOLIO_PATTERN } from './governance.dto.js';

export const MEETING_KINDS = ['courtyard', 'residents', 'villagers', 'owners_assembly', 'committee'] as const;
export type MeetingKindName = (typeof MEETING_KINDS)[number];

export const MEETING_STATUSES = ['scheduled', 'open', 'closed'] as const;
export type MeetingStatusName = (typeof MEETING_STATUSES)[number];

export const ATTENDANCE_BASES = ['households', 'adults', 'members', 'owners'] as const;
export type AttendanceBaseName = (typeof ATTENDANCE_BASES)[number];

export const MOTION_KINDS = [
  'general',
  'mandate_committee',
  'approve_project',
  'appoint_members',
  'owners_major_matter',
  'use_conversion',
] as const;
export type MotionKindName = (typeof MOTION_KINDS)[number];

export const MOTION_OUTCOMES = ['pending', 'passed', 'rejected'] as const;
export type MotionOutcomeName = (typeof MOTION_OUTCOMES)[number];

/** The most votes one motion can record (a city-wide owners' assembly stays far below). */
const MAX_VOTES = 1_000_000;

export class ThresholdDto {
  @ApiProperty({ example: 1 })
  numerator: number;

  @ApiProperty({ example: 2 })
  denominator: number;

  @ApiProperty({ description: 'true: more than numerator/denominator; false: at least' })
  strict: boolean;

  @ApiProperty({ example: 'RC-5', description: 'The rule this threshold implements, or "custom"' })
  rule: string;
}

export class MeetingRulesDto {
  @ApiProperty({ type: ThresholdDto, description: 'Present attendees against the base' })
  quorum: ThresholdDto | null;

  @ApiProperty({ type: ThresholdDto, description: 'Yes votes against those present (or the base)' })
  decision: ThresholdDto | null;

  @ApiProperty({ description: 'true: the decision threshold is measured against the whole base (OW-11)' })
  decisionOfBase: boolean;

  @ApiProperty({ example: 7, description: 'Minimum notice in days' })
  noticeDays: number;

  @ApiProperty({ description: 'Statutory meeting, or an informal one with its own rules' })
  statutory: boolean;

  @ApiProperty({ type: String, required: false, description: 'Parameter version the rules came from' })
  parameterVersion: string | null;
}

export class AgendaItemDto {
  @ApiProperty({ example: '小区停车位划线方案' })
  title: string;

  @ApiProperty({ type: String, format: 'uuid', required: false })
  consultationId: string | null;
}

export class CommitteeMandateDto {
  @ApiProperty({ enum: COMMITTEE_TYPES })
  type: CommitteeTypeName | 'unspecified';

  @ApiProperty({ example: '下涧槽社区共建委员会' })
  name: string;

  @ApiProperty({ example: 7 })
  size: number;

  @ApiProperty({ example: 36 })
  termMonths: number;

  @ApiProperty({ type: [String] })
  portfolios: string[];
}

export class MotionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  meetingId: string;

  @ApiProperty({ example: '成立下涧槽社区共建委员会' })
  title: string;

  @ApiProperty({ enum: MOTION_KINDS })
  kind: MotionKindName | 'unspecified';

  @ApiProperty({ type: CommitteeMandateDto, required: false, description: 'mandate_committee motions only' })
  mandate: CommitteeMandateDto | null;

  @ApiProperty({ type: String, required: false, description: 'The project or committee the motion is about' })
  subjectRef: string | null;

  @ApiProperty()
  yes: number;

  @ApiProperty()
  no: number;

  @ApiProperty()
  abstain: number;

  @ApiProperty({ enum: MOTION_OUTCOMES })
  outcome: MotionOutcomeName | 'unspecified';

  @ApiProperty({ type: String, format: 'uuid', required: false, description: 'Set once decided' })
  decisionId: string | null;

  @ApiProperty({ type: String, format: 'uuid', required: false })
  mandatedCommitteeId: string | null;

  @ApiProperty({ type: String, required: false, example: '2*31 > 45 (RC-5)' })
  explanation: string | null;

  @ApiProperty({
    type: () => OwnersCountDto,
    required: false,
    description: "Owners' assemblies: yes by area and headcount",
  })
  ownersYes: OwnersCountDto | null;

  @ApiProperty({ type: [String], description: 'use_conversion: the owners whose consent is needed (OW-5)' })
  affectedOwnerIds: string[];
}

export class OwnersCountDto {
  @ApiProperty({ description: 'Exclusive floor area in hundredths of m² (OW-1)', example: 905012 })
  areaCentiM2: number;

  @ApiProperty({ description: 'Owners by headcount (OW-1)', example: 92 })
  owners: number;
}

export class OwnersParticipationDto {
  @ApiProperty({ type: OwnersCountDto })
  total: OwnersCountDto;

  @ApiProperty({ type: OwnersCountDto })
  participating: OwnersCountDto;

  @ApiProperty({ description: 'OW-2: at least 2/3 of the area and of the owners take part' })
  valid: boolean;
}

export class MeetingDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: MEETING_KINDS, example: 'courtyard' })
  kind: MeetingKindName | 'unspecified';

  @ApiProperty({ format: 'uuid' })
  scopeNodeId: string;

  @ApiProperty({ type: String, format: 'uuid', required: false })
  committeeId: string | null;

  @ApiProperty({ example: '三月户主坝坝会' })
  title: string;

  @ApiProperty({ format: 'date-time' })
  scheduledFor: string;

  @ApiProperty({ type: String, format: 'date-time', required: false })
  noticePublishedAt: string | null;

  @ApiProperty({ type: [AgendaItemDto] })
  agenda: AgendaItemDto[];

  @ApiProperty({ enum: MEETING_STATUSES })
  status: MeetingStatusName | 'unspecified';

  @ApiProperty({ enum: ATTENDANCE_BASES, description: 'Who counts towards the quorum' })
  base: AttendanceBaseName | 'unspecified';

  @ApiProperty({ description: 'Size of the base when the meeting opened' })
  baseCount: number;

  @ApiProperty()
  presentCount: number;

  @ApiProperty()
  quorate: boolean;

  @ApiProperty({ type: MeetingRulesDto, required: false })
  rules: MeetingRulesDto | null;

  @ApiProperty({ type: String, required: false })
  minutes: string | null;

  @ApiProperty({ type: [MotionDto] })
  motions: MotionDto[];

  @ApiProperty()
  version: number;

  @ApiProperty({
    type: OwnersParticipationDto,
    required: false,
    description: "Owners' assemblies only (OW-2)",
  })
  owners: OwnersParticipationDto | null;
}

export class MeetingPageDto {
  @ApiProperty({ type: [MeetingDto] })
  items: MeetingDto[];

  @ApiProperty({ type: String, required: false, description: 'null on the last page' })
  nextCursor: string | null;
}

export class AgendaItemBody {
  @ApiProperty({ example: '小区停车位划线方案', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The consultation whose summary informs the item' })
  @IsOptional()
  @IsUUID()
  consultationId?: string;
}

export class ThresholdBody {
  @ApiProperty({ minimum: 1, maximum: 100, example: 1 })
  @IsInt()
  @Min(1)
  @Max(100)
  numerator: number;

  @ApiProperty({ minimum: 1, maximum: 100, example: 2 })
  @IsInt()
  @Min(1)
  @Max(100)
  denominator: number;

  @ApiProperty({ description: 'true: more than the fraction; false: at least' })
  @IsBoolean()
  strict: boolean;
}

export class MeetingRulesBody {
  @ApiProperty({ type: ThresholdBody })
  @ValidateNested()
  @Type(() => ThresholdBody)
  quorum: ThresholdBody;

  @ApiProperty({ type: ThresholdBody })
  @ValidateNested()
  @Type(() => ThresholdBody)
  decision: ThresholdBody;

  @ApiPropertyOptional({ description: 'Measure the decision against the whole base, not those present' })
  @IsOptional()
  @IsBoolean()
  decisionOfBase?: boolean;

  @ApiProperty({ minimum: 0, maximum: 60, example: 3 })
  @IsInt()
  @Min(0)
  @Max(60)
  noticeDays: number;
}

export class ConveneMeetingBody {
  @ApiProperty({ enum: MEETING_KINDS, example: 'courtyard' })
  @IsIn(MEETING_KINDS)
  kind: MeetingKindName;

  @ApiProperty({ format: 'uuid', description: 'The community, street segment or compound' })
  @IsUUID()
  scopeNodeId: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for committee meetings' })
  @IsOptional()
  @IsUUID()
  committeeId?: string;

  @ApiProperty({ example: '三月户主坝坝会', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title: string;

  @ApiProperty({ format: 'date-time', example: '2026-03-15T19:30:00+08:00' })
  @IsInstant()
  scheduledFor: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Omitted: now' })
  @IsOptional()
  @IsInstant()
  noticePublishedAt?: string;

  @ApiProperty({ type: [AgendaItemBody], minItems: 1, maxItems: 30 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => AgendaItemBody)
  agenda: AgendaItemBody[];

  @ApiPropertyOptional({ type: MeetingRulesBody, description: 'Informal meetings only: their own rules' })
  @IsOptional()
  @ValidateNested()
  @Type(() => MeetingRulesBody)
  customRules?: MeetingRulesBody;
}

export class RecordAttendanceBody {
  @ApiPropertyOptional({ format: 'uuid', description: 'The household (households base); or give residentId' })
  @ValidateIf((o: RecordAttendanceBody) => o.householdId !== undefined || o.residentId === undefined)
  @IsDefined({ message: 'householdId or residentId is required' })
  @IsUUID()
  householdId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The resident (adults base) or member (members base)' })
  @IsOptional()
  @IsUUID()
  residentId?: string;
}

export class CommitteeMandateBody {
  @ApiProperty({ enum: ['co_building', 'co_governance'] })
  @IsIn(['co_building', 'co_governance'])
  type: CommitteeTypeName;

  @ApiProperty({ example: '下涧槽社区共建委员会', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ minimum: 1, maximum: 99, example: 7 })
  @IsInt()
  @Min(1)
  @Max(99)
  size: number;

  @ApiProperty({ minimum: 1, maximum: 120, example: 36 })
  @IsInt()
  @Min(1)
  @Max(120)
  termMonths: number;

  @ApiPropertyOptional({ type: [String], maxItems: 20, example: ['flowers', 'sanitation'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(PORTFOLIO_PATTERN, {
    each: true,
    message: 'portfolio keys are lower-case snake_case, 1–40 characters (e.g. water_resources)',
  })
  portfolios?: string[];
}

export class ProposeMotionBody {
  @ApiProperty({ example: '成立下涧槽社区共建委员会', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title: string;

  @ApiProperty({ enum: MOTION_KINDS, example: 'general' })
  @IsIn(MOTION_KINDS)
  kind: MotionKindName;

  @ApiPropertyOptional({ type: CommitteeMandateBody, description: 'Required for mandate_committee' })
  @ValidateIf((o: ProposeMotionBody) => o.kind === 'mandate_committee' || o.mandate !== undefined)
  @IsDefined({ message: 'mandate is required for a mandate_committee motion' })
  @ValidateNested()
  @Type(() => CommitteeMandateBody)
  mandate?: CommitteeMandateBody;

  @ApiPropertyOptional({
    maxLength: 200,
    description:
      'approve_project: the project reference; appoint_members: committee:<id>; use_conversion: dwelling:<id>',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  subjectRef?: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: 500,
    description: 'use_conversion: owners elsewhere flagged as affected (OW-5)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  alsoAffectedOwnerIds?: string[];
}

export const VOTE_CHOICES = ['yes', 'no', 'abstain'] as const;
export type VoteChoiceName = (typeof VOTE_CHOICES)[number];

export class OwnerVoteBody {
  @ApiProperty({ format: 'uuid', description: 'The owner who signed the vote (OW-9)' })
  @IsUUID()
  residentId: string;

  @ApiProperty({ enum: VOTE_CHOICES })
  @IsIn(VOTE_CHOICES)
  choice: VoteChoiceName;
}

export class RecordOwnerVotesBody {
  @ApiProperty({ type: [OwnerVoteBody], minItems: 1, maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => OwnerVoteBody)
  votes: OwnerVoteBody[];
}

export class DecideMotionBody {
  @ApiProperty({ minimum: 0, maximum: MAX_VOTES, example: 31 })
  @IsInt()
  @Min(0)
  @Max(MAX_VOTES)
  yes: number;

  @ApiProperty({ minimum: 0, maximum: MAX_VOTES, example: 9 })
  @IsInt()
  @Min(0)
  @Max(MAX_VOTES)
  no: number;

  @ApiProperty({ minimum: 0, maximum: MAX_VOTES, example: 5, description: 'Counts against (RC-5)' })
  @IsInt()
  @Min(0)
  @Max(MAX_VOTES)
  abstain: number;
}

export class CloseMeetingBody {
  @ApiPropertyOptional({ maxLength: 20000, description: 'The minutes' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  minutes?: string;
}
