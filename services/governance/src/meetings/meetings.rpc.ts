import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MeetingService } from '@linli/contracts';
import { RpcServer } from '@linli/messaging';
import { MeetingsService } from './meetings.service.js';

@Injectable()
export class MeetingsRpc implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly meetings: MeetingsService,
  ) {}

  onModuleInit(): void {
    const m = MeetingService.method;
    this.rpc.handle(m.conveneMeeting, async (req, ctx) => ({
      meeting: await this.meetings.convene(req, ctx.principal),
    }));
    this.rpc.handle(m.getMeeting, async (req, ctx) => ({
      meeting: await this.meetings.get(req.meetingId, ctx.principal),
    }));
    this.rpc.handle(m.listMeetings, (req, ctx) =>
      this.meetings.list(req.nodeId, req.limit, req.cursor, ctx.principal),
    );
    this.rpc.handle(m.openMeeting, async (req, ctx) => ({
      meeting: await this.meetings.open(req.meetingId, ctx.principal),
    }));
    this.rpc.handle(m.recordAttendance, async (req, ctx) => ({
      meeting: await this.meetings.attend(req, ctx.principal),
    }));
    this.rpc.handle(m.proposeMotion, async (req, ctx) => ({
      motion: await this.meetings.propose(req, ctx.principal),
    }));
    this.rpc.handle(m.decideMotion, async (req, ctx) => ({
      motion: await this.meetings.decide(req, ctx.principal),
    }));
    this.rpc.handle(m.recordOwnerVotes, async (req, ctx) => ({
      motion: await this.meetings.recordOwnerVotes(req, ctx.principal),
    }));
    this.rpc.handle(m.closeMeeting, async (req, ctx) => ({
      meeting: await this.meetings.close(req.meetingId, req.minutes, ctx.principal),
    }));
  }
}
