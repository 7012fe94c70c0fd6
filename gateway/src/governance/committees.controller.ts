import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@linli/auth';
import { CommitteeService } from '@linli/contracts';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ApiIdempotencyKey, CommandRequestId, RequestId } from '../common/idempotency.js';
import { IdParams } from '../common/paging.dto.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import {
  AppointSeatBody,
  AssignPortfolioBody,
  CommitteeDto,
  CommitteePageDto,
  CreateCommitteeBody,
  EndSeatBody,
  RosterDto,
  RosterQuery,
} from './committees.dto.js';
import { committeeTypes, seatPositions, toCommitteeDto, toSeatDto } from './committees.mapper.js';
import { CursorPageQuery, ScopeNodeParams, SeatParams } from './governance.dto.js';

/** Committees (statutory and mandated), their seats and roster history. */
@ApiTags('governance')
@ApiBearerAuth()
@Controller('v1/governance')
export class CommitteesController {
  constructor(private readonly services: ServiceCaller) {}

  @Post('committees')
  @HttpCode(201)
  @ApiOperation({ summary: 'Set up a committee for a scope (mandated committees cite their decision)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CommitteeDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async create(
    @Body() body: CreateCommitteeBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommitteeDto> {
    const { committee } = await this.services.call(
      CommitteeService.method.createCommittee,
      {
        type: committeeTypes.toProto(body.type),
        scopeNodeId: body.scopeNodeId,
        name: body.name,
        size: body.size,
        termStart: body.termStart,
        termEnd: body.termEnd ?? '',
        mandateDecisionId: body.mandateDecisionId ?? '',
        portfolios: body.portfolios ?? [],
        womenRequired: body.womenRequired ?? 0,
      },
      principal,
      requestId,
    );
    void reply.header('location', `/v1/governance/committees/${committee!.id}`);
    return toCommitteeDto(committee!);
  }

  @Get('committees/:id')
  @ApiOperation({ summary: 'A committee with the seats held now' })
  @ApiOkResponse({ type: CommitteeDto })
  @ApiProblems(400, 401, 404)
  async get(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CommitteeDto> {
    const { committee } = await this.services.call(
      CommitteeService.method.getCommittee,
      { committeeId: params.id },
      principal,
      requestId,
    );
    return toCommitteeDto(committee!);
  }

  @Get('nodes/:nodeId/committees')
  @ApiOperation({ summary: 'Committees of a node (cursor pagination)' })
  @ApiOkResponse({ type: CommitteePageDto })
  @ApiProblems(400, 401, 404)
  async list(
    @Param() params: ScopeNodeParams,
    @Query() query: CursorPageQuery,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CommitteePageDto> {
    const page = await this.services.call(
      CommitteeService.method.listCommittees,
      { nodeId: params.nodeId, limit: query.limit ?? 50, cursor: query.cursor ?? '' },
      principal,
      requestId,
    );
    return { items: page.committees.map(toCommitteeDto), nextCursor: page.nextCursor || null };
  }

  @Post('committees/:id/seats')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Fill a vacant seat by a meeting decision (elected seats come from certified elections)',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CommitteeDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async appoint(
    @Param() params: IdParams,
    @Body() body: AppointSeatBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<CommitteeDto> {
    const { committee } = await this.services.call(
      CommitteeService.method.appointSeat,
      {
        committeeId: params.id,
        residentId: body.residentId,
        displayName: body.displayName,
        position: seatPositions.toProto(body.position),
        portfolio: body.portfolio ?? '',
        decisionId: body.decisionId,
        publicNameConsent: body.publicNameConsent ?? false,
        validFrom: body.validFrom ?? '',
        woman: body.woman ?? false,
      },
      principal,
      requestId,
    );
    return toCommitteeDto(committee!);
  }

  @Put('committees/:id/seats/:seatId/portfolio')
  @ApiOperation({ summary: 'Give a seat one of the committee’s portfolios (empty clears it)' })
  @ApiOkResponse({ type: CommitteeDto })
  @ApiProblems(400, 401, 403, 404, 422)
  async assignPortfolio(
    @Param() params: SeatParams,
    @Body() body: AssignPortfolioBody,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CommitteeDto> {
    const { committee } = await this.services.call(
      CommitteeService.method.assignPortfolio,
      { committeeId: params.id, seatId: params.seatId, portfolio: body.portfolio },
      principal,
      requestId,
    );
    return toCommitteeDto(committee!);
  }

  @Post('committees/:id/seats/:seatId/end')
  @HttpCode(200)
  @ApiOperation({
    summary: 'End a seat (resignation, or removal by decision); it stays in the roster history',
  })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: CommitteeDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async endSeat(
    @Param() params: SeatParams,
    @Body() body: EndSeatBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<CommitteeDto> {
    const { committee } = await this.services.call(
      CommitteeService.method.endSeat,
      {
        committeeId: params.id,
        seatId: params.seatId,
        reason: body.reason,
        decisionId: body.decisionId ?? '',
        effectiveOn: body.effectiveOn ?? '',
      },
      principal,
      requestId,
    );
    return toCommitteeDto(committee!);
  }

  @Get('committees/:id/roster')
  @ApiOperation({ summary: 'The roster on a day (`?on=YYYY-MM-DD`), or every seat ever held' })
  @ApiOkResponse({ type: RosterDto })
  @ApiProblems(400, 401, 404)
  async roster(
    @Param() params: IdParams,
    @Query() query: RosterQuery,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RosterDto> {
    const { seats } = await this.services.call(
      CommitteeService.method.getRoster,
      { committeeId: params.id, on: query.on ?? '' },
      principal,
      requestId,
    );
    return { items: seats.map(toSeatDto) };
  }
}
