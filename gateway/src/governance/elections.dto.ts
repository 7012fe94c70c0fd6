import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
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
} from 'class-validator';
import { IsDay } from './governance.dto.js';

export const ELECTION_MODES = ['all_voters', 'household_reps', 'group_reps'] as const;
export type ElectionModeName = (typeof ELECTION_MODES)[number];

export const ELECTION_STATUSES = [
  'draft',
  'roll_published',
  'open',
  'closed',
  'runoff_required',
  'certified',
  'invalid',
] as const;
export type ElectionStatusName = (typeof ELECTION_STATUSES)[number];

/** Channels a teller enters ballots through (online ballots are cast by electors themselves). */
export const TELLER_CHANNELS = ['paper', 'meeting'] as const;
export type TellerChannelName = (typeof TELLER_CHANNELS)[number];

export const OBJECTION_CLAIMS = ['add', 'remove'] as const;
export type ObjectionClaim = (typeof OBJECTION_CLAIMS)[number];

/** More candidates than this on one ballot is a malformed request, whatever the seats. */
const MAX_CHOICES = 50;

export class CandidateDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  residentId: string;

  @ApiProperty({ example: '王*芳', description: 'Masked unless the candidate consented (PI-3)' })
  displayName: string;

  @ApiProperty({ type: String, required: false })
  statement: string | null;

  @ApiProperty()
  publicNameConsent: boolean;

  @ApiProperty({ type: [Number], example: [1], description: 'Rounds the candidate stands in' })
  rounds: number[];
}

export class ElectionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  scopeNodeId: string;

  @ApiProperty({ format: 'uuid', description: 'The committee whose seats the election fills' })
  committeeId: string;

  @ApiProperty({ example: '下涧槽社区第十二届居民委员会选举' })
  title: string;

  @ApiProperty({ enum: ELECTION_MODES })
  mode: ElectionModeName | 'unspecified';

  @ApiProperty({ example: 7 })
  seats: number;

  @ApiProperty({ format: 'date', description: 'Electors are 18 or older on this day (RC-3)' })
  electionDay: string;

  @ApiProperty()
  allowRevote: boolean;

  @ApiProperty({ enum: ELECTION_STATUSES })
  status: ElectionStatusName | 'unspecified';

  @ApiProperty({ type: String, format: 'date-time', required: false })
  rollPublishedAt: string | null;

  @ApiProperty({
    type: String,
    format: 'date',
    required: false,
    description: 'Last day objections to the roll are admissible (VC-3)',
  })
  objectionDeadline: string | null;

  @ApiProperty()
  registeredElectors: number;

  @ApiProperty({ example: 1, description: '1 for the first round; higher for runoffs and re-votes' })
  round: number;

  @ApiProperty({ description: 'Seats still to fill in the current round' })
  seatsOpen: number;

  @ApiProperty({ type: [CandidateDto] })
  candidates: CandidateDto[];

  @ApiProperty()
  version: number;
}

export class RollObjectionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  electionId: string;

  @ApiProperty({
    enum: OBJECTION_CLAIMS,
    description: 'add: someone is missing; remove: should not be there',
  })
  claim: string;

  @ApiProperty({ format: 'uuid' })
  residentId: string;

  @ApiProperty()
  reason: string;

  @ApiProperty({ format: 'date-time' })
  lodgedAt: string;

  @ApiProperty({ enum: ['pending', 'upheld', 'dismissed'] })
  status: string;

  @ApiProperty({ type: String, required: false })
  answer: string | null;

  @ApiProperty({ format: 'date', description: 'The decision is due by this day (VC-3)' })
  decideBy: string;
}

export class RollObjectionDecisionDto {
  @ApiProperty({ type: RollObjectionDto })
  objection: RollObjectionDto;

  @ApiProperty({ type: ElectionDto, description: 'The election, with its roll as corrected' })
  election: ElectionDto;
}

export class BallotReceiptDto {
  @ApiProperty({ format: 'uuid' })
  electionId: string;

  @ApiProperty({ example: 1 })
  round: number;

  @ApiProperty({ description: 'The ballot’s hash, as published in the ballot-hash list' })
  receipt: string;

  @ApiProperty({
    description: 'Proves the receipt (sha256(secret) = receipt); keep it to replace the ballot. Not stored.',
  })
  secret: string;
}

export class PaperBallotResultDto {
  @ApiProperty({
    description:
      'false: the elector had already voted; the conflict is recorded and this ballot does not count',
  })
  counted: boolean;

  @ApiProperty({ type: String, required: false })
  receipt: string | null;

  @ApiProperty({ type: String, format: 'uuid', required: false })
  conflictId: string | null;
}

export class CandidateResultDto {
  @ApiProperty({ format: 'uuid' })
  candidateId: string;

  @ApiProperty()
  displayName: string;

  @ApiProperty()
  votes: number;

  @ApiProperty()
  elected: boolean;

  @ApiProperty({ enum: ['majority', 'runoff_plurality', 'tie', 'below_threshold', 'not_enough_seats'] })
  reason: string;
}

export class TallyDto {
  @ApiProperty({ format: 'uuid' })
  electionId: string;

  @ApiProperty()
  round: number;

  @ApiProperty()
  registered: number;

  @ApiProperty()
  ballotsCast: number;

  @ApiProperty({ description: 'Turnout: more than half of the registered electors cast a ballot' })
  valid: boolean;

  @ApiProperty({ type: [CandidateResultDto] })
  results: CandidateResultDto[];

  @ApiProperty()
  seatsFilled: number;

  @ApiProperty({ type: [String], description: 'Candidates of the next round; empty when none is needed' })
  nextRoundCandidateIds: string[];

  @ApiProperty({ description: 'sha256 over the round’s sorted ballot hashes' })
  ballotsDigest: string;

  @ApiProperty({ example: 'RC-8' })
  rule: string;
}

export class TallyResultDto {
  @ApiProperty({ type: TallyDto })
  tally: TallyDto;

  @ApiProperty({ type: ElectionDto })
  election: ElectionDto;
}

export class VoterStatusDto {
  @ApiProperty()
  onRoll: boolean;

  @ApiProperty()
  voted: boolean;

  @ApiProperty()
  round: number;
}

export class ElectedMemberDto {
  @ApiProperty({ format: 'uuid' })
  candidateId: string;

  @ApiProperty({ example: '王*芳', description: 'Masked unless the candidate consented (PI-3)' })
  displayName: string;

  @ApiProperty()
  votes: number;

  @ApiProperty()
  round: number;
}

export class PublicResultsDto {
  @ApiProperty({ format: 'uuid' })
  electionId: string;

  @ApiProperty()
  title: string;

  @ApiProperty({ format: 'uuid' })
  scopeNodeId: string;

  @ApiProperty()
  seats: number;

  @ApiProperty({ type: [TallyDto] })
  rounds: TallyDto[];

  @ApiProperty({ type: [ElectedMemberDto] })
  elected: ElectedMemberDto[];

  @ApiProperty({ type: String, format: 'date-time', required: false })
  certifiedAt: string | null;
}

export class BallotHashPageDto {
  @ApiProperty({ type: [String], description: 'Ballot hashes (receipts) of the round, sorted' })
  items: string[];

  @ApiProperty({ type: String, required: false, description: 'null on the last page' })
  nextCursor: string | null;

  @ApiProperty({ description: 'sha256 over all the round’s sorted hashes, as in the tally' })
  digest: string;
}

export class CreateElectionBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  scopeNodeId: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The committee whose seats the election fills (none: e.g. electing representatives)',
  })
  @IsOptional()
  @IsUUID()
  committeeId?: string;

  @ApiProperty({ example: '下涧槽社区第十二届居民委员会选举', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title: string;

  @ApiProperty({ enum: ELECTION_MODES, example: 'household_reps' })
  @IsIn(ELECTION_MODES)
  mode: ElectionModeName;

  @ApiProperty({ minimum: 1, maximum: 99, example: 7 })
  @IsInt()
  @Min(1)
  @Max(99)
  seats: number;

  @ApiProperty({ format: 'date', example: '2026-06-20' })
  @IsDay()
  electionDay: string;

  @ApiPropertyOptional({ description: 'Electors may replace their online ballot while voting is open' })
  @IsOptional()
  @IsBoolean()
  allowRevote?: boolean;
}

export class LodgeRollObjectionBody {
  @ApiProperty({ enum: OBJECTION_CLAIMS })
  @IsIn(OBJECTION_CLAIMS)
  claim: ObjectionClaim;

  @ApiProperty({ format: 'uuid', description: 'The resident missing from, or wrongly on, the roll' })
  @IsUUID()
  residentId: string;

  @ApiProperty({ minLength: 1, maxLength: 1000 })
  @IsString()
  @Length(1, 1000)
  reason: string;
}

export class DecideRollObjectionBody {
  @ApiProperty({ description: 'true: the roll is corrected as claimed' })
  @IsBoolean()
  upheld: boolean;

  @ApiProperty({ minLength: 1, maxLength: 1000, description: 'The answer given to the objector' })
  @IsString()
  @Length(1, 1000)
  answer: string;
}

export class NominateCandidateBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  residentId: string;

  @ApiProperty({ example: '王桂芳', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  displayName: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  statement?: string;

  @ApiPropertyOptional({ description: 'The candidate consented to their name on public notices (PI-3)' })
  @IsOptional()
  @IsBoolean()
  publicNameConsent?: boolean;
}

export class CastBallotBody {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxItems: MAX_CHOICES,
    description: 'Up to the open seats; empty: a blank ballot',
  })
  @IsArray()
  @ArrayMaxSize(MAX_CHOICES)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  candidateIds: string[];

  @ApiPropertyOptional({
    description: 'A re-vote (where allowed) presents the secret of the ballot it replaces',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_=+/-]{16,256}$/, { message: 'previousReceiptSecret is not a receipt secret' })
  previousReceiptSecret?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'A registered proxy holder votes for the elector who authorised them (VC-6)',
  })
  @IsOptional()
  @IsUUID()
  onBehalfOfResidentId?: string;
}

export const PROXY_RELATIONS = ['spouse', 'parent', 'child', 'sibling', 'grandparent', 'grandchild'] as const;

export class ProxyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  electionId: string;

  @ApiProperty({ type: String, format: 'uuid', required: false, description: 'Operators only' })
  principalResidentId: string | null;

  @ApiProperty({ type: String, format: 'uuid', required: false, description: 'Operators only' })
  holderResidentId: string | null;

  @ApiProperty({ enum: PROXY_RELATIONS })
  relation: string;

  @ApiProperty({ type: String, required: false, description: 'Operators only: the written authorisation' })
  documentRef: string | null;

  @ApiProperty({ example: '李**', description: 'Masked on the public list (PI-3)' })
  principalDisplayName: string;

  @ApiProperty({ example: '王**' })
  holderDisplayName: string;
}

export class ProxyListDto {
  @ApiProperty({ type: [ProxyDto] })
  items: ProxyDto[];
}

export class RegisterProxyBody {
  @ApiProperty({ format: 'uuid', description: 'The elector who authorises' })
  @IsUUID()
  principalResidentId: string;

  @ApiProperty({ format: 'uuid', description: 'The close relative with voting rights who votes for them' })
  @IsUUID()
  holderResidentId: string;

  @ApiProperty({ enum: PROXY_RELATIONS })
  @IsIn(PROXY_RELATIONS)
  relation: string;

  @ApiProperty({
    example: '委托书 2026-017',
    minLength: 1,
    maxLength: 200,
    description: 'The written authorisation',
  })
  @IsString()
  @Length(1, 200)
  documentRef: string;

  @ApiProperty({ example: '李秀英', minLength: 1, maxLength: 50 })
  @IsString()
  @Length(1, 50)
  principalDisplayName: string;

  @ApiProperty({ example: '王建国', minLength: 1, maxLength: 50 })
  @IsString()
  @Length(1, 50)
  holderDisplayName: string;
}

export class RecordPaperBallotBody {
  @ApiProperty({ enum: TELLER_CHANNELS })
  @IsIn(TELLER_CHANNELS)
  channel: TellerChannelName;

  @ApiPropertyOptional({ format: 'uuid', description: 'The elector household (household_reps)' })
  @ValidateIf((o: RecordPaperBallotBody) => o.householdId !== undefined || o.residentId === undefined)
  @IsDefined({ message: 'householdId or residentId is required' })
  @IsUUID()
  householdId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The elector (all_voters, group_reps)' })
  @IsOptional()
  @IsUUID()
  residentId?: string;

  @ApiProperty({ type: [String], format: 'uuid', maxItems: MAX_CHOICES })
  @IsArray()
  @ArrayMaxSize(MAX_CHOICES)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  candidateIds: string[];
}

export class BallotHashesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 20, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  round?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
