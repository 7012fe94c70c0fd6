import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@linli/auth';
import { HonourService } from '@linli/contracts';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ApiIdempotencyKey, CommandRequestId, RequestId } from '../common/idempotency.js';
import { IdParams } from '../common/paging.dto.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import {
  AwardHonourBody,
  AwardResultDto,
  CreateHonourSchemeBody,
  HonourNominationDto,
  HonourNominationListDto,
  HonourSchemeDto,
  NominateForHonourBody,
  NominationsQuery,
} from './honours.dto.js';
import { toHonourAwardDto, toHonourNominationDto, toHonourSchemeDto } from './honours.mapper.js';

/** Recurring honours (最美家庭 …): nominations per building or compound, awarded by a meeting's vote. */
@ApiTags('governance')
@ApiBearerAuth()
@Controller('v1/governance/honour-schemes')
export class HonoursController {
  constructor(private readonly services: ServiceCaller) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Set up a recurring honour for a community or compound' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: HonourSchemeDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async create(
    @Body() body: CreateHonourSchemeBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<HonourSchemeDto> {
    const { scheme } = await this.services.call(
      HonourService.method.createHonourScheme,
      {
        scopeNodeId: body.scopeNodeId,
        title: body.title,
        honouree: body.honouree,
        excludePreviousWinner: body.excludePreviousWinner ?? false,
        nominationsPerUnit: body.nominationsPerUnit,
      },
      principal,
      requestId,
    );
    return toHonourSchemeDto(scheme!);
  }

  @Post(':id/nominations')
  @HttpCode(201)
  @ApiOperation({ summary: 'Nominate a household or resident for a period, from a building or compound' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: HonourNominationDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async nominate(
    @Param() params: IdParams,
    @Body() body: NominateForHonourBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<HonourNominationDto> {
    const { nomination } = await this.services.call(
      HonourService.method.nominateForHonour,
      {
        schemeId: params.id,
        period: body.period,
        unitNodeId: body.unitNodeId,
        householdId: body.householdId ?? '',
        residentId: body.residentId ?? '',
        displayName: body.displayName,
        publicNameConsent: body.publicNameConsent ?? false,
      },
      principal,
      requestId,
    );
    return toHonourNominationDto(nomination!);
  }

  @Get(':id/nominations')
  @ApiOperation({ summary: 'The nominations of a period (`?period=YYYY-MM`)' })
  @ApiOkResponse({ type: HonourNominationListDto })
  @ApiProblems(400, 401, 404)
  async nominations(
    @Param() params: IdParams,
    @Query() query: NominationsQuery,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<HonourNominationListDto> {
    const { nominations } = await this.services.call(
      HonourService.method.listHonourNominations,
      { schemeId: params.id, period: query.period },
      principal,
      requestId,
    );
    return { items: nominations.map(toHonourNominationDto) };
  }

  @Post(':id/awards')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Award the period’s honour by a quorate meeting’s vote (200 with tie: true if tied)',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: AwardResultDto, description: 'Awarded' })
  @ApiOkResponse({
    type: AwardResultDto,
    description: 'The top of the vote is tied: nothing awarded, re-vote',
  })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async award(
    @Param() params: IdParams,
    @Body() body: AwardHonourBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AwardResultDto> {
    const { award, tie } = await this.services.call(
      HonourService.method.awardHonour,
      {
        schemeId: params.id,
        period: body.period,
        meetingId: body.meetingId,
        votes: body.votes.map((v) => ({ nominationId: v.nominationId, votes: v.votes })),
      },
      principal,
      requestId,
    );
    if (!award) void reply.status(200);
    return { award: award ? toHonourAwardDto(award) : null, tie };
  }
}
