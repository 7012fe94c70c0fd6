import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IdParams } from '../common/paging.dto.js';
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

export const NODE_KINDS = [
  'province',
  'city',
  'district',
  'zone',
  'street',
  'town',
  'township',
  'community',
  'village',
  'compound',
  'building',
] as const;
export type NodeKindName = (typeof NODE_KINDS)[number];

export class NodeDto {
  @ApiProperty({ format: 'uuid', example: '0193a3c4-0000-7000-8000-000000000001' })
  id: string;

  @ApiProperty({ enum: NODE_KINDS, example: 'community' })
  kind: NodeKindName;

  @ApiProperty({ example: '下涧槽社区' })
  name: string;

  @ApiProperty({
    type: String,
    description: '12-digit statistical code (AD-1); null for nodes added by operators',
    example: '510108007003',
    required: false,
  })
  code: string | null;

  @ApiProperty({ type: String, format: 'uuid', required: false, description: 'null for the root' })
  parentId: string | null;

  @ApiProperty({
    example: 4,
    description: '0 = province, 1 = city, 2 = district, 3 = street/town, 4 = community/village',
  })
  depth: number;

  @ApiProperty({ example: 12 })
  childCount: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ example: 1 })
  version: number;

  @ApiProperty({
    type: String,
    format: 'uuid',
    required: false,
    description: 'The zone or district that administers this street when it is not its statistical parent',
  })
  managingAuthorityId: string | null;
}

export class NodePageDto {
  @ApiProperty({ type: [NodeDto] })
  items: NodeDto[];

  @ApiProperty({
    type: String,
    required: false,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor: string | null;
}

export class NodeListDto {
  @ApiProperty({ type: [NodeDto] })
  items: NodeDto[];
}

/** `/:id` of a node. */
export class NodeIdParams extends IdParams {}

export class ChildrenQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class FindNodesQuery {
  @ApiProperty({ example: '510108007003', description: '12-digit statistical division code (AD-1)' })
  @Matches(/^\d{12}$/, { message: 'code must be a 12-digit statistical division code' })
  code: string;
}

export class RegisterNodeBody {
  @ApiProperty({ format: 'uuid', description: 'The street, town or community to add the node under' })
  @IsUUID()
  parentId: string;

  @ApiProperty({ enum: NODE_KINDS, example: 'community' })
  @IsIn(NODE_KINDS)
  kind: NodeKindName;

  @ApiProperty({ example: '关口场社区', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  name: string;

  @ApiPropertyOptional({ example: '510182107250' })
  @IsOptional()
  @Matches(/^\d{12}$/, { message: 'code must be a 12-digit statistical division code' })
  code?: string;
}

const splitKinds = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean)
    : value;

export class NodeRefDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: NODE_KINDS })
  kind: NodeKindName;

  @ApiProperty({ example: '二仙桥街道' })
  name: string;
}

export class NodePathDto {
  @ApiProperty({ type: [NodeRefDto], description: 'From the root down to the node itself' })
  items: NodeRefDto[];
}

export class SubtreeQuery {
  @ApiPropertyOptional({ description: 'Comma-separated node kinds, e.g. `community,village`' })
  @IsOptional()
  @Transform(splitKinds)
  @IsArray()
  @IsIn(NODE_KINDS, { each: true })
  kinds?: NodeKindName[];

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'The subtree as it was at this instant (history)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;
}

export class SearchQuery {
  @ApiProperty({ example: '二仙桥', description: 'Part of a name (1–64 characters)' })
  @IsString()
  @Length(1, 64)
  q: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Search only under this node' })
  @IsOptional()
  @IsUUID()
  rootId?: string;

  @ApiPropertyOptional({ description: 'Comma-separated node kinds' })
  @IsOptional()
  @Transform(splitKinds)
  @IsArray()
  @IsIn(NODE_KINDS, { each: true })
  kinds?: NodeKindName[];

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class KindCountDto {
  @ApiProperty({ enum: NODE_KINDS })
  kind: NodeKindName;

  @ApiProperty()
  count: number;
}

export class NodeCountsDto {
  @ApiProperty({
    type: [KindCountDto],
    description: 'Live nodes of each kind under the node (itself excluded)',
  })
  items: KindCountDto[];
}

export class RenameNodeBody {
  @ApiProperty({ example: '建设花园', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  name: string;

  @ApiPropertyOptional({ maxLength: 500, description: 'Kept in the audit log' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({ description: 'The version you read; 409 if the node changed since' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class MoveNodeBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  newParentId: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class RetireNodeBody {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class ManagingAuthorityBody {
  @ApiProperty({
    type: String,
    format: 'uuid',
    description: 'A zone or district; null returns administration to the statistical parent',
  })
  @IsOptional()
  @IsUUID()
  authorityNodeId: string | null;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
