import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@linli/auth';
import { ConsultationService } from '@linli/contracts';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ApiIdempotencyKey, CommandRequestId, RequestId } from '../common/idempotency.js';
import { IdParams } from '../common/paging.dto.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import {
  ConsultationDto,
  OpenConsultationBody,
  OpinionDto,
  OpinionPageDto,
  PublishSummaryBody,
  SubmitOpinionBody,
} from './consultations.dto.js';
import { toConsultationDto, toOpinionDto } from './consultations.mapper.js';
import { CursorPageQuery } from './governance.dto.js';
import { toTimestamp } from './governance.mapper.js';

/** Consultations: residents' opinions collected ahead of a deliberation, then summarised for a meeting. */
@ApiTags('governance')
@ApiBearerAuth()
@Controller('v1/governance/consultations')
export class ConsultationsController {
  constructor(private readonly services: ServiceCaller) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Open a consultation on a topic for a scope' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: ConsultationDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async open(
    @Body() body: OpenConsultationBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsultationDto> {
    const { consultation } = await this.services.call(
      ConsultationService.method.openConsultation,
      {
        scopeNodeId: body.scopeNodeId,
        topic: body.topic,
        description: body.description ?? '',
        opensAt: toTimestamp(body.opensAt),
        closesAt: toTimestamp(body.closesAt),
      },
      principal,
      requestId,
    );
    void reply.header('location', `/v1/governance/consultations/${consultation!.id}`);
    return toConsultationDto(consultation!);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A consultation, with its summary once published' })
  @ApiOkResponse({ type: ConsultationDto })
  @ApiProblems(400, 401, 404)
  async get(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ConsultationDto> {
    const { consultation } = await this.services.call(
      ConsultationService.method.getConsultation,
      { consultationId: params.id },
      principal,
      requestId,
    );
    return toConsultationDto(consultation!);
  }

  @Post(':id/opinions')
  @HttpCode(201)
  @ApiOperation({ summary: 'Submit your opinion while the consultation is open' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: OpinionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async submit(
    @Param() params: IdParams,
    @Body() body: SubmitOpinionBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<OpinionDto> {
    const { opinion } = await this.services.call(
      ConsultationService.method.submitOpinion,
      { consultationId: params.id, text: body.text },
      principal,
      requestId,
    );
    return toOpinionDto(opinion!);
  }

  @Get(':id/opinions')
  @ApiOperation({ summary: 'Opinions submitted (authors masked; cursor pagination)' })
  @ApiOkResponse({ type: OpinionPageDto })
  @ApiProblems(400, 401, 404)
  async opinions(
    @Param() params: IdParams,
    @Query() query: CursorPageQuery,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<OpinionPageDto> {
    const page = await this.services.call(
      ConsultationService.method.listOpinions,
      { consultationId: params.id, limit: query.limit ?? 50, cursor: query.cursor ?? '' },
      principal,
      requestId,
    );
    return { items: page.opinions.map(toOpinionDto), nextCursor: page.nextCursor || null };
  }

  @Post(':id/summary')
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish the summary and hand the topic to a meeting’s agenda' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: ConsultationDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async summary(
    @Param() params: IdParams,
    @Body() body: PublishSummaryBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<ConsultationDto> {
    const { consultation } = await this.services.call(
      ConsultationService.method.publishConsultationSummary,
      { consultationId: params.id, summary: body.summary, meetingId: body.meetingId },
      principal,
      requestId,
    );
    return toConsultationDto(consultation!);
  }
}
