import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@linli/auth';
import { ImportService, type ImportJob } from '@linli/contracts';
import { putUpload, uploadsBucket, type NatsConnection } from '@linli/messaging';
import { IsOptional, Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import { NATS_CONNECTION } from '../health/health.controller.js';
import { IdParams } from '../common/paging.dto.js';

export const STREAM_SUFFIX = Symbol('STREAM_SUFFIX');
export const IMPORT_CONTENT_TYPES = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

export class ImportRowErrorDto {
  @ApiProperty({ example: 12 })
  line: number;

  @ApiProperty({ example: 'id_number' })
  field: string;

  @ApiProperty({ example: 'is not a valid 18-character resident identity number' })
  reason: string;
}

export class ImportJobDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['queued', 'validating', 'rejected', 'importing', 'completed', 'failed'] })
  status: string;

  @ApiProperty()
  fileName: string;

  @ApiProperty()
  totalRows: number;

  @ApiProperty({ description: 'Rows written so far (a resumed job continues from here)' })
  committedRows: number;

  @ApiProperty()
  imported: number;

  @ApiProperty({ description: 'Rows whose person was already registered' })
  skipped: number;

  @ApiProperty()
  errorCount: number;

  @ApiProperty({
    type: [ImportRowErrorDto],
    description: 'The first 1,000 errors; any error rejects the whole file',
  })
  errors: ImportRowErrorDto[];
}

export class ImportQuery {
  @ApiPropertyOptional({ example: 'households-2026-11.csv' })
  @IsOptional()
  @Matches(/^[^/\\\\]{1,200}$/, { message: 'fileName must be a file name' })
  fileName?: string;
}

const toDto = (j: ImportJob): ImportJobDto => ({
  id: j.id,
  status: j.status,
  fileName: j.fileName,
  totalRows: j.totalRows,
  committedRows: j.committedRows,
  imported: j.imported,
  skipped: j.skipped,
  errorCount: j.errorCount,
  errors: j.errors.map((e) => ({ line: e.line, field: e.field, reason: e.reason })),
});

/** Bulk imports for district apps: upload → 202 with a status resource → report. */
@ApiTags('org')
@ApiBearerAuth()
@Controller('v1/org/imports')
export class ImportsController {
  constructor(
    private readonly services: ServiceCaller,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(STREAM_SUFFIX) private readonly streamSuffix: string,
  ) {}

  @Post('households')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Upload compounds, buildings, households and residents (CSV or .xlsx) for import in the background',
    description:
      'Columns: community_code, compound, building, household, name, id_number, mobile, relation, guardian_id_number, consent_ref. ' +
      'The file is checked whole first; any error rejects it and nothing is written. Communities outside your scope are unknown.',
  })
  @ApiConsumes(IMPORT_CONTENT_TYPES.csv, IMPORT_CONTENT_TYPES.xlsx)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 202, type: ImportJobDto, description: 'Accepted; poll the Location' })
  @ApiProblems(400, 401, 404, 413, 415, 422)
  async start(
    @Query() query: ImportQuery,
    @Req() req: FastifyRequest,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImportJobDto> {
    const body = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new BadRequestException({
        code: 'INVALID_ARGUMENT',
        errors: [
          {
            field: '(body)',
            description: `send the file as ${IMPORT_CONTENT_TYPES.csv} or ${IMPORT_CONTENT_TYPES.xlsx}`,
          },
        ],
      });
    }
    const xlsx = (req.headers['content-type'] ?? '').startsWith(IMPORT_CONTENT_TYPES.xlsx);
    const fileName = query.fileName ?? `upload.${xlsx ? 'xlsx' : 'csv'}`;
    const uploadName = `households-${randomUUID()}`;
    await putUpload(await uploadsBucket(this.nc, this.streamSuffix), uploadName, body);
    const { job } = await this.services.call(
      ImportService.method.startHouseholdsImport,
      { uploadName, fileName },
      principal,
    );
    void reply.header('location', `/v1/org/imports/${job!.id}`);
    return toDto(job!);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An import job: status, progress and the row-level report' })
  @ApiOkResponse({ type: ImportJobDto })
  @ApiProblems(400, 401, 404)
  async get(@Param() params: IdParams, @CurrentPrincipal() principal: Principal): Promise<ImportJobDto> {
    const { job } = await this.services.call(ImportService.method.getImportJob, { id: params.id }, principal);
    return toDto(job!);
  }
}
