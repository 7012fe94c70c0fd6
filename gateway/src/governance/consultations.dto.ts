import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { IsInstant } from './governance.dto.js';

export const CONSULTATION_STATUSES = ['open', 'closed', 'summarised'] as const;
export type ConsultationStatusName = (typeof CONSULTATION_STATUSES)[number];

export class ConsultationDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  scopeNodeId: string;

  @ApiProperty({ example: '小区停车位划线方案征求意见' })
  topic: string;

  @ApiProperty()
  description: string;

  @ApiProperty({ format: 'date-time' })
  opensAt: string;

  @ApiProperty({ format: 'date-time' })
  closesAt: string;

  @ApiProperty({ enum: CONSULTATION_STATUSES })
  status: ConsultationStatusName | 'unspecified';

  @ApiProperty()
  opinionCount: number;

  @ApiProperty({ type: String, required: false, description: 'null until published' })
  summary: string | null;

  @ApiProperty({ type: String, format: 'uuid', required: false, description: 'The meeting taking it up' })
  meetingId: string | null;

  @ApiProperty({ type: String, format: 'uuid', required: false, description: 'The decision that followed' })
  decisionId: string | null;
}

export class OpinionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  consultationId: string;

  @ApiProperty({ example: '建议在3栋前增设非机动车停放区' })
  text: string;

  @ApiProperty({ format: 'date-time' })
  submittedAt: string;

  @ApiProperty({ example: '张*明', description: 'Always masked (PI-2): opinions are read for their content' })
  authorDisplay: string;
}

export class OpinionPageDto {
  @ApiProperty({ type: [OpinionDto] })
  items: OpinionDto[];

  @ApiProperty({ type: String, required: false, description: 'null on the last page' })
  nextCursor: string | null;
}

export class OpenConsultationBody {
  @ApiProperty({ format: 'uuid', description: 'The community or compound consulted' })
  @IsUUID()
  scopeNodeId: string;

  @ApiProperty({ example: '小区停车位划线方案征求意见', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  topic: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Omitted: now' })
  @IsOptional()
  @IsInstant()
  opensAt?: string;

  @ApiProperty({ format: 'date-time', example: '2026-04-01T00:00:00+08:00' })
  @IsInstant()
  closesAt: string;
}

export class SubmitOpinionBody {
  @ApiProperty({ minLength: 1, maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  text: string;
}

export class PublishSummaryBody {
  @ApiProperty({ minLength: 1, maxLength: 10000 })
  @IsString()
  @Length(1, 10000)
  summary: string;

  @ApiProperty({
    format: 'uuid',
    description: 'The meeting whose agenda takes the topic up (same scope, lists the consultation)',
  })
  @IsUUID()
  meetingId: string;
}
