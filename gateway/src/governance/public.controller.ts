import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ElectionService, HonourService } from '@linli/contracts';
import { ApiProblems } from '../common/api-problems.js';
import { Public } from '../common/auth.guard.js';
import { RequestId } from '../common/idempotency.js';
import { IdParams } from '../common/paging.dto.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import { BallotHashesQuery, BallotHashPageDto, ProxyListDto, PublicResultsDto } from './elections.dto.js';
import { toProxyDto, toPublicResultsDto } from './elections.mapper.js';
import { CursorPageQuery, ScopeNodeParams } from './governance.dto.js';
import { HonourRollDto } from './honours.dto.js';
import { toHonourAwardDto } from './honours.mapper.js';

/**
 * The public notice board: certified results, the ballot-hash list anyone can check a receipt against, and the
 * honour roll. No token; the service answers with what the public may see (names masked without consent, PI-3).
 */
@ApiTags('public')
@Public()
@Controller('v1/public')
export class PublicController {
  constructor(private readonly services: ServiceCaller) {}

  @Get('elections/:id/results')
  @ApiOperation({ summary: 'Results of an election, round by round, and who was elected' })
  @ApiOkResponse({ type: PublicResultsDto })
  @ApiProblems(400, 404)
  async results(@Param() params: IdParams, @RequestId() requestId: string): Promise<PublicResultsDto> {
    const { results } = await this.services.call(
      ElectionService.method.getPublicResults,
      { electionId: params.id },
      undefined,
      requestId,
    );
    return toPublicResultsDto(results!);
  }

  @Get('elections/:id/proxies')
  @ApiOperation({ summary: 'The published list of proxies of an election (VC-6), names masked' })
  @ApiOkResponse({ type: ProxyListDto })
  @ApiProblems(400, 404)
  async proxies(@Param() params: IdParams, @RequestId() requestId: string): Promise<ProxyListDto> {
    const { proxies } = await this.services.call(
      ElectionService.method.listProxies,
      { electionId: params.id },
      undefined,
      requestId,
    );
    return { items: proxies.map(toProxyDto) };
  }

  @Get('elections/:id/ballot-hashes')
  @ApiOperation({ summary: 'The ballot hashes of a round, to check a receipt against (cursor pagination)' })
  @ApiOkResponse({ type: BallotHashPageDto })
  @ApiProblems(400, 404)
  async ballotHashes(
    @Param() params: IdParams,
    @Query() query: BallotHashesQuery,
    @RequestId() requestId: string,
  ): Promise<BallotHashPageDto> {
    const page = await this.services.call(
      ElectionService.method.listBallotHashes,
      {
        electionId: params.id,
        round: query.round ?? 1,
        limit: query.limit ?? 200,
        cursor: query.cursor ?? '',
      },
      undefined,
      requestId,
    );
    return { items: [...page.hashes], nextCursor: page.nextCursor || null, digest: page.digest };
  }

  @Get('nodes/:nodeId/honour-roll')
  @ApiOperation({ summary: 'The honour roll of a community or compound' })
  @ApiOkResponse({ type: HonourRollDto })
  @ApiProblems(400, 404)
  async honourRoll(
    @Param() params: ScopeNodeParams,
    @Query() query: CursorPageQuery,
    @RequestId() requestId: string,
  ): Promise<HonourRollDto> {
    const page = await this.services.call(
      HonourService.method.getHonourRoll,
      { scopeNodeId: params.nodeId, limit: query.limit ?? 50, cursor: query.cursor ?? '' },
      undefined,
      requestId,
    );
    return { items: page.awards.map(toHonourAwardDto), nextCursor: page.nextCursor || null };
  }
}
