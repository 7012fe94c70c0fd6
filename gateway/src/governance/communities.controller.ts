import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Principal } from '@linli/auth';
import { CommunityService } from '@linli/contracts';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { IdParams } from '../common/paging.dto.js';
import { ServiceCaller } from '../common/rpc.gateway.js';

export class CommunityIdParams extends IdParams {}

export class CommunitySummaryDto {
  @ApiProperty({ format: 'uuid' })
  communityId: string;

  @ApiProperty({ example: '关口场社区' })
  name: string;

  @ApiProperty({ type: String, required: false, example: '510108007003' })
  code: string | null;

  @ApiProperty({ enum: ['community', 'village'] })
  kind: string;

  @ApiProperty({ type: [String], example: ['成都市', '彭州市', '丹景山镇'] })
  ancestorNames: string[];

  @ApiProperty({ format: 'uuid' })
  parentId: string;

  @ApiProperty({ format: 'date-time', description: 'When governance learned of the community from org' })
  knownSince: string;

  @ApiProperty({ description: "org's version of the community this summary reflects" })
  sourceVersion: number;
}

@ApiTags('governance')
@ApiBearerAuth()
@Controller('v1/governance/communities')
export class CommunitiesController {
  constructor(private readonly services: ServiceCaller) {}

  @Get(':id/summary')
  @ApiOperation({ summary: "Governance's summary of a community (built from org's events)" })
  @ApiOkResponse({ type: CommunitySummaryDto })
  @ApiProblems(400, 401, 404)
  async summary(
    @Param() params: CommunityIdParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommunitySummaryDto> {
    const { summary: s } = await this.services.call(
      CommunityService.method.getCommunitySummary,
      { communityId: params.id },
      principal,
    );
    return {
      communityId: s!.communityId,
      name: s!.name,
      code: s!.code || null,
      kind: s!.kind,
      ancestorNames: s!.ancestorNames,
      parentId: s!.parentId,
      knownSince: s!.knownSince ? timestampDate(s!.knownSince).toISOString() : new Date(0).toISOString(),
      sourceVersion: Number(s!.sourceVersion),
    };
  }
}
