import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MeetingService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { CommandLog } from '../idempotency/command-log.js';
import { MeetingsService } from './meetings.service.js';

@Injectable()
export class MeetingsRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly log: CommandLog,
    private readonly meetings: MeetingsService,
  ) {}

  onModuleInit(): void {
    const m = MeetingService.method;
    this.rpc.handle(
      m.conveneMeeting,
      this.log.wrap(m.conveneMeeting, async (req, ctx) => ({
        meeting: await this.meetings.convene(req, ctx.principal),
      })),
    );
    this.rpc.handle(m.getMeeting, async (req, ctx) => ({
      meeting: await this.meetings.get(req.meetingId, ctx.principal),
    }));
    this.rpc.handle(m.listMeetings, (req, ctx) =>
      this.meetings.list(req.nodeId, req.limit, req.cursor, ctx.principal),
    );
    this.rpc.handle(
      m.openMeeting,
      this.log.wrap(m.openMeeting, async (req, ctx) => ({
        meeting: await this.meetings.open(req.meetingId, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.recordAttendance,
      this.log.wrap(m.recordAttendance, async (req, ctx) => ({
        meeting: await this.meetings.attend(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.proposeMotion,
      this.log.wrap(m.proposeMotion, async (req, ctx) => ({
        motion: await this.meetings.propose(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.decideMotion,
      this.log.wrap(m.decideMotion, async (req, ctx) => ({
        motion: await this.meetings.decide(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.recordOwnerVotes,
      this.log.wrap(m.recordOwnerVotes, async (req, ctx) => ({
        motion: await this.meetings.recordOwnerVotes(req, ctx.principal),
      })),
    );
    this.rpc.handle(
      m.closeMeeting,
      this.log.wrap(m.closeMeeting, async (req, ctx) => ({
        meeting: await this.meetings.close(req.meetingId, req.minutes, ctx.principal),
      })),
    );
  }
}
