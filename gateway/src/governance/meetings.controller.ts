import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@linli/auth';
import { MeetingService } from '@linli/contracts';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../common/api-problems.js';
import { CurrentPrincipal } from '../common/auth.guard.js';
import { ApiIdempotencyKey, CommandRequestId, RequestId } from '../common/idempotency.js';
import { IdParams } from '../common/paging.dto.js';
import { ServiceCaller } from '../common/rpc.gateway.js';
import { committeeTypes } from './committees.mapper.js';
import { CursorPageQuery, ScopeNodeParams } from './governance.dto.js';
import { toTimestamp } from './governance.mapper.js';
import {
  CloseMeetingBody,
  ConveneMeetingBody,
  DecideMotionBody,
  RecordOwnerVotesBody,
  MeetingDto,
  MeetingPageDto,
  MotionDto,
  ProposeMotionBody,
  RecordAttendanceBody,
} from './meetings.dto.js';
import { meetingKinds, motionKinds, toMeetingDto, toMotionDto, voteChoices } from './meetings.mapper.js';

/** Meetings: notice, attendance and quorum, motions and their decisions. */
@ApiTags('governance')
@ApiBearerAuth()
@Controller('v1/governance')
export class MeetingsController {
  constructor(private readonly services: ServiceCaller) {}

  @Post('meetings')
  @HttpCode(201)
  @ApiOperation({ summary: 'Convene a meeting: publish its notice and agenda' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: MeetingDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async convene(
    @Body() body: ConveneMeetingBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MeetingDto> {
    const rules = body.customRules;
    const { meeting } = await this.services.call(
      MeetingService.method.conveneMeeting,
      {
        kind: meetingKinds.toProto(body.kind),
        scopeNodeId: body.scopeNodeId,
        committeeId: body.committeeId ?? '',
        title: body.title,
        scheduledFor: toTimestamp(body.scheduledFor),
        noticePublishedAt: toTimestamp(body.noticePublishedAt),
        agenda: body.agenda.map((a) => ({ title: a.title, consultationId: a.consultationId ?? '' })),
        customRules: rules
          ? {
              quorum: { ...rules.quorum, rule: 'custom' },
              decision: { ...rules.decision, rule: 'custom' },
              decisionOfBase: rules.decisionOfBase ?? false,
              noticeDays: rules.noticeDays,
              statutory: false,
            }
          : undefined,
      },
      principal,
      requestId,
    );
    void reply.header('location', `/v1/governance/meetings/${meeting!.id}`);
    return toMeetingDto(meeting!);
  }

  @Get('meetings/:id')
  @ApiOperation({ summary: 'A meeting with its attendance, quorum and motions' })
  @ApiOkResponse({ type: MeetingDto })
  @ApiProblems(400, 401, 404)
  async get(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<MeetingDto> {
    const { meeting } = await this.services.call(
      MeetingService.method.getMeeting,
      { meetingId: params.id },
      principal,
      requestId,
    );
    return toMeetingDto(meeting!);
  }

  @Get('nodes/:nodeId/meetings')
  @ApiOperation({ summary: 'Meetings of a node (cursor pagination)' })
  @ApiOkResponse({ type: MeetingPageDto })
  @ApiProblems(400, 401, 404)
  async list(
    @Param() params: ScopeNodeParams,
    @Query() query: CursorPageQuery,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<MeetingPageDto> {
    const page = await this.services.call(
      MeetingService.method.listMeetings,
      { nodeId: params.nodeId, limit: query.limit ?? 50, cursor: query.cursor ?? '' },
      principal,
      requestId,
    );
    return { items: page.meetings.map(toMeetingDto), nextCursor: page.nextCursor || null };
  }

  @Post('meetings/:id/open')
  @HttpCode(200)
  @ApiOperation({ summary: 'Open the meeting (fixes the size of the quorum base)' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: MeetingDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async open(
    @Param() params: IdParams,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<MeetingDto> {
    const { meeting } = await this.services.call(
      MeetingService.method.openMeeting,
      { meetingId: params.id },
      principal,
      requestId,
    );
    return toMeetingDto(meeting!);
  }

  @Post('meetings/:id/attendance')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record an attendee as present (recording the same one twice changes nothing)' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: MeetingDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async attendance(
    @Param() params: IdParams,
    @Body() body: RecordAttendanceBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<MeetingDto> {
    const { meeting } = await this.services.call(
      MeetingService.method.recordAttendance,
      { meetingId: params.id, householdId: body.householdId ?? '', residentId: body.residentId ?? '' },
      principal,
      requestId,
    );
    return toMeetingDto(meeting!);
  }

  @Post('meetings/:id/motions')
  @HttpCode(201)
  @ApiOperation({ summary: 'Put a motion to the meeting' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: MotionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async propose(
    @Param() params: IdParams,
    @Body() body: ProposeMotionBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<MotionDto> {
    const mandate = body.mandate;
    const { motion } = await this.services.call(
      MeetingService.method.proposeMotion,
      {
        meetingId: params.id,
        title: body.title,
        kind: motionKinds.toProto(body.kind),
        mandate: mandate
          ? {
              type: committeeTypes.toProto(mandate.type),
              name: mandate.name,
              size: mandate.size,
              termMonths: mandate.termMonths,
              portfolios: mandate.portfolios ?? [],
            }
          : undefined,
        subjectRef: body.subjectRef ?? '',
        alsoAffectedOwnerIds: body.alsoAffectedOwnerIds ?? [],
      },
      principal,
      requestId,
    );
    return toMotionDto(motion!);
  }

  @Post('motions/:id/decision')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record the vote on a motion; the meeting’s rules decide it' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: MotionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async decide(
    @Param() params: IdParams,
    @Body() body: DecideMotionBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<MotionDto> {
    const { motion } = await this.services.call(
      MeetingService.method.decideMotion,
      { motionId: params.id, yes: body.yes, no: body.no, abstain: body.abstain },
      principal,
      requestId,
    );
    return toMotionDto(motion!);
  }

  @Post('motions/:id/owner-votes')
  @HttpCode(200)
  @ApiOperation({ summary: "Record owners' signed votes on a motion of an owners' assembly (OW-9)" })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: MotionDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async recordOwnerVotes(
    @Param() params: IdParams,
    @Body() body: RecordOwnerVotesBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<MotionDto> {
    const { motion } = await this.services.call(
      MeetingService.method.recordOwnerVotes,
      {
        motionId: params.id,
        votes: body.votes.map((v) => ({ residentId: v.residentId, choice: voteChoices.toProto(v.choice) })),
      },
      principal,
      requestId,
    );
    return toMotionDto(motion!);
  }

  @Post('meetings/:id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close the meeting and record its minutes' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: MeetingDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async close(
    @Param() params: IdParams,
    @Body() body: CloseMeetingBody,
    @CurrentPrincipal() principal: Principal,
    @CommandRequestId() requestId: string,
  ): Promise<MeetingDto> {
    const { meeting } = await this.services.call(
      MeetingService.method.closeMeeting,
      { meetingId: params.id, minutes: body.minutes ?? '' },
      principal,
      requestId,
    );
    return toMeetingDto(meeting!);
  }
}
