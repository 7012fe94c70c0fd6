import {
  AttendanceBase,
  MeetingKind,
  MeetingStatus,
  MotionKind,
  MotionOutcome,
  VoteChoice,
  type Meeting,
  type MeetingRules,
  type Motion,
  type OwnersCount,
  type Threshold,
} from '@linli/contracts';
import { committeeTypes } from './committees.mapper.js';
import { enumCodec, iso, isoOrNull, orNull } from './governance.mapper.js';
import type {
  AttendanceBaseName,
  MeetingDto,
  MeetingKindName,
  MeetingRulesDto,
  MeetingStatusName,
  MotionDto,
  MotionKindName,
  MotionOutcomeName,
  OwnersCountDto,
  ThresholdDto,
  VoteChoiceName,
} from './meetings.dto.js';

export const meetingKinds = enumCodec<MeetingKindName, MeetingKind>({
  courtyard: MeetingKind.COURTYARD,
  residents: MeetingKind.RESIDENTS,
  villagers: MeetingKind.VILLAGERS,
  owners_assembly: MeetingKind.OWNERS_ASSEMBLY,
  committee: MeetingKind.COMMITTEE,
});

const meetingStatuses = enumCodec<MeetingStatusName, MeetingStatus>({
  scheduled: MeetingStatus.SCHEDULED,
  open: MeetingStatus.OPEN,
  closed: MeetingStatus.CLOSED,
});

const attendanceBases = enumCodec<AttendanceBaseName, AttendanceBase>({
  households: AttendanceBase.HOUSEHOLDS,
  adults: AttendanceBase.ADULTS,
  members: AttendanceBase.MEMBERS,
  owners: AttendanceBase.OWNERS,
});

export const motionKinds = enumCodec<MotionKindName, MotionKind>({
  general: MotionKind.GENERAL,
  mandate_committee: MotionKind.MANDATE_COMMITTEE,
  approve_project: MotionKind.APPROVE_PROJECT,
  appoint_members: MotionKind.APPOINT_MEMBERS,
  owners_major_matter: MotionKind.OWNERS_MAJOR_MATTER,
  use_conversion: MotionKind.USE_CONVERSION,
});

export const voteChoices = enumCodec<VoteChoiceName, VoteChoice>({
  yes: VoteChoice.YES,
  no: VoteChoice.NO,
  abstain: VoteChoice.ABSTAIN,
});

function toOwnersCount(c: OwnersCount | undefined): OwnersCountDto {
  return { areaCentiM2: Number(c?.areaCentiM2 ?? 0n), owners: Number(c?.owners ?? 0n) };
}

const motionOutcomes = enumCodec<MotionOutcomeName, MotionOutcome>({
  pending: MotionOutcome.PENDING,
  passed: MotionOutcome.PASSED,
  rejected: MotionOutcome.REJECTED,
});

function toThresholdDto(t: Threshold | undefined): ThresholdDto | null {
  return t ? { numerator: t.numerator, denominator: t.denominator, strict: t.strict, rule: t.rule } : null;
}

function toRulesDto(r: MeetingRules | undefined): MeetingRulesDto | null {
  if (!r) return null;
  return {
    quorum: toThresholdDto(r.quorum),
    decision: toThresholdDto(r.decision),
    decisionOfBase: r.decisionOfBase,
    noticeDays: r.noticeDays,
    statutory: r.statutory,
    parameterVersion: orNull(r.parameterVersion),
  };
}

export function toMotionDto(m: Motion): MotionDto {
  return {
    id: m.id,
    meetingId: m.meetingId,
    title: m.title,
    kind: motionKinds.toName(m.kind),
    mandate: m.mandate
      ? {
          type: committeeTypes.toName(m.mandate.type),
          name: m.mandate.name,
          size: m.mandate.size,
          termMonths: m.mandate.termMonths,
          portfolios: [...m.mandate.portfolios],
        }
      : null,
    subjectRef: orNull(m.subjectRef),
    yes: m.yes,
    no: m.no,
    abstain: m.abstain,
    outcome: motionOutcomes.toName(m.outcome),
    decisionId: orNull(m.decisionId),
    mandatedCommitteeId: orNull(m.mandatedCommitteeId),
    explanation: orNull(m.explanation),
    ownersYes: m.ownersYes ? toOwnersCount(m.ownersYes) : null,
    affectedOwnerIds: [...m.affectedOwnerIds],
  };
}

export function toMeetingDto(m: Meeting): MeetingDto {
  return {
    id: m.id,
    kind: meetingKinds.toName(m.kind),
    scopeNodeId: m.scopeNodeId,
    committeeId: orNull(m.committeeId),
    title: m.title,
    scheduledFor: iso(m.scheduledFor),
    noticePublishedAt: isoOrNull(m.noticePublishedAt),
    agenda: m.agenda.map((a) => ({ title: a.title, consultationId: orNull(a.consultationId) })),
    status: meetingStatuses.toName(m.status),
    base: attendanceBases.toName(m.base),
    baseCount: m.baseCount,
    presentCount: m.presentCount,
    quorate: m.quorate,
    rules: toRulesDto(m.rules),
    minutes: orNull(m.minutes),
    motions: m.motions.map(toMotionDto),
    version: Number(m.version),
    owners: m.owners
      ? {
          total: toOwnersCount(m.owners.total),
          participating: toOwnersCount(m.owners.participating),
          valid: m.owners.valid,
        }
      : null,
  };
}
