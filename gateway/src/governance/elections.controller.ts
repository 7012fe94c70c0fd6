import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@linli/auth';
import { ElectionService } from '@linli/contracts';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ApiIdempotencyKey, CommandRequestId, RequestId } from '../common/idempotency.js';
import { IdParams } from '../common/paging.dto.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import {
  BallotReceiptDto,
  CastBallotBody,
  CreateElectionBody,
  DecideRollObjectionBody,
  ElectionDto,
  LodgeRollObjectionBody,
  NominateCandidateBody,
  PaperBallotResultDto,
  ProxyDto,
  RecordPaperBallotBody,
  RegisterProxyBody,
  RollObjectionDecisionDto,
  RollObjectionDto,
  TallyResultDto,
  VoterStatusDto,
} from './elections.dto.js';
import {
  electionModes,
  tellerChannels,
  toElectionDto,
  toProxyDto,
  toRollObjectionDto,
  toTallyDto,
} from './elections.mapper.js';

/** Elections: roll and objections, candidates, secret ballots, sealed tallies and certification. */
@ApiTags('governance')
@ApiBearerAuth()
@Controller('v1/governance')
export class ElectionsController {
  constructor(private readonly services: ServiceCaller) {}

  @Post('elections')
  @HttpCode(201)
  @ApiOperation({ summary: 'Call an election for a committee’s seats (a draft until the roll is published)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: ElectionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async create(
    @Body() body: CreateElectionBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ElectionDto> {
    const { election } = await this.services.call(
      ElectionService.method.createElection,
      {
        scopeNodeId: body.scopeNodeId,
        committeeId: body.committeeId,
        title: body.title,
        mode: electionModes.toProto(body.mode),
        seats: body.seats,
        electionDay: body.electionDay,
        allowRevote: body.allowRevote ?? false,
      },
      principal,
      requestId,
    );
    void reply.header('location', `/v1/governance/elections/${election!.id}`);
    return toElectionDto(election!);
  }

  @Get('elections/:id')
  @ApiOperation({ summary: 'An election with its candidates and where it stands' })
  @ApiOkResponse({ type: ElectionDto })
  @ApiProblems(400, 401, 404)
  async get(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ElectionDto> {
    const { election } = await this.services.call(
      ElectionService.method.getElection,
      { electionId: params.id },
      principal,
      requestId,
    );
    return toElectionDto(election!);
  }

  @Post('elections/:id/roll')
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish the electoral roll; objections may be lodged from now (VC-3)' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: ElectionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async publishRoll(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<ElectionDto> {
    const { election } = await this.services.call(
      ElectionService.method.publishRoll,
      { electionId: params.id },
      principal,
      requestId,
    );
    return toElectionDto(election!);
  }

  @Post('elections/:id/roll-objections')
  @HttpCode(201)
  @ApiOperation({ summary: 'Object to the published roll: someone is missing or should not be on it' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: RollObjectionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async lodgeObjection(
    @Param() params: IdParams,
    @Body() body: LodgeRollObjectionBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<RollObjectionDto> {
    const { objection } = await this.services.call(
      ElectionService.method.lodgeRollObjection,
      { electionId: params.id, claim: body.claim, residentId: body.residentId, reason: body.reason },
      principal,
      requestId,
    );
    return toRollObjectionDto(objection!);
  }

  @Post('roll-objections/:id/decision')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decide an objection to the roll (upheld corrects the roll)' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: RollObjectionDecisionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async decideObjection(
    @Param() params: IdParams,
    @Body() body: DecideRollObjectionBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<RollObjectionDecisionDto> {
    const { objection, election } = await this.services.call(
      ElectionService.method.decideRollObjection,
      { objectionId: params.id, upheld: body.upheld, answer: body.answer },
      principal,
      requestId,
    );
    return { objection: toRollObjectionDto(objection!), election: toElectionDto(election!) };
  }

  @Post('elections/:id/candidates')
  @HttpCode(201)
  @ApiOperation({ summary: 'Nominate a candidate' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: ElectionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async nominate(
    @Param() params: IdParams,
    @Body() body: NominateCandidateBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<ElectionDto> {
    const { election } = await this.services.call(
      ElectionService.method.nominateCandidate,
      {
        electionId: params.id,
        residentId: body.residentId,
        displayName: body.displayName,
        statement: body.statement ?? '',
        publicNameConsent: body.publicNameConsent ?? false,
      },
      principal,
      requestId,
    );
    return toElectionDto(election!);
  }

  @Post('elections/:id/open')
  @HttpCode(200)
  @ApiOperation({ summary: 'Open voting' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: ElectionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async open(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<ElectionDto> {
    const { election } = await this.services.call(
      ElectionService.method.openVoting,
      { electionId: params.id },
      principal,
      requestId,
    );
    return toElectionDto(election!);
  }

  @Post('elections/:id/proxies')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register a proxy: a close relative with voting rights votes for an elector (VC-6)',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: ProxyDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async registerProxy(
    @Param() params: IdParams,
    @Body() body: RegisterProxyBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<ProxyDto> {
    const { proxy } = await this.services.call(
      ElectionService.method.registerProxy,
      { electionId: params.id, ...body },
      principal,
      requestId,
    );
    return toProxyDto(proxy!);
  }

  @Post('elections/:id/ballots')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Cast your secret ballot online; the receipt’s secret is shown once and never stored',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: BallotReceiptDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async cast(
    @Param() params: IdParams,
    @Body() body: CastBallotBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<BallotReceiptDto> {
    const { receipt } = await this.services.call(
      ElectionService.method.castBallot,
      {
        electionId: params.id,
        candidateIds: body.candidateIds,
        previousReceiptSecret: body.previousReceiptSecret ?? '',
        onBehalfOfResidentId: body.onBehalfOfResidentId ?? '',
      },
      principal,
      requestId,
    );
    return {
      electionId: receipt!.electionId,
      round: receipt!.round,
      receipt: receipt!.receipt,
      secret: receipt!.secret,
    };
  }

  @Post('elections/:id/paper-ballots')
  @HttpCode(201)
  @ApiOperation({ summary: 'Teller: enter a paper or meeting ballot for an elector of the roll' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: PaperBallotResultDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async recordPaper(
    @Param() params: IdParams,
    @Body() body: RecordPaperBallotBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<PaperBallotResultDto> {
    const result = await this.services.call(
      ElectionService.method.recordPaperBallot,
      {
        electionId: params.id,
        channel: tellerChannels.toProto(body.channel),
        householdId: body.householdId ?? '',
        residentId: body.residentId ?? '',
        candidateIds: body.candidateIds,
      },
      principal,
      requestId,
    );
    return {
      counted: result.counted,
      receipt: result.receipt || null,
      conflictId: result.conflictId || null,
    };
  }

  @Post('elections/:id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close voting' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: ElectionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async close(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<ElectionDto> {
    const { election } = await this.services.call(
      ElectionService.method.closeVoting,
      { electionId: params.id },
      principal,
      requestId,
    );
    return toElectionDto(election!);
  }

  @Post('elections/:id/tally')
  @HttpCode(200)
  @ApiOperation({ summary: 'Tally the closed round: validity, winners, and whether another round is needed' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: TallyResultDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async tally(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<TallyResultDto> {
    const { tally, election } = await this.services.call(
      ElectionService.method.tallyElection,
      { electionId: params.id },
      principal,
      requestId,
    );
    return { tally: toTallyDto(tally!), election: toElectionDto(election!) };
  }

  @Post('elections/:id/certify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Certify the result: the elected take their seats' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: ElectionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async certify(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<ElectionDto> {
    const { election } = await this.services.call(
      ElectionService.method.certifyElection,
      { electionId: params.id },
      principal,
      requestId,
    );
    return toElectionDto(election!);
  }

  @Get('elections/:id/my-status')
  @ApiOperation({ summary: 'Whether you are on the roll and have voted in the current round' })
  @ApiOkResponse({ type: VoterStatusDto })
  @ApiProblems(400, 401, 404)
  async myStatus(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<VoterStatusDto> {
    const status = await this.services.call(
      ElectionService.method.getMyVoterStatus,
      { electionId: params.id },
      principal,
      requestId,
    );
    return { onRoll: status.onRoll, voted: status.voted, round: status.round };
  }
}
