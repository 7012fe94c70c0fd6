import {
  AttendanceBase,
  BallotChannel,
  CommitteeType,
  ElectionMode,
  ElectionStatus,
  MeetingKind,
  MeetingStatus,
  MotionKind,
  MotionOutcome,
  SeatPosition,
} from '@linli/contracts';

/** Proto enums ↔ the lower-case names stored in the database. */
function table<E extends number>(pairs: Array<[E, string]>) {
  const byEnum = new Map(pairs);
  const byName = new Map(pairs.map(([e, n]) => [n, e]));
  return {
    name: (e: E): string | undefined => byEnum.get(e),
    value: (n: string): E => byName.get(n) ?? (0 as E),
  };
}

export const committeeTypes = table<CommitteeType>([
  [CommitteeType.RESIDENTS, 'residents'],
  [CommitteeType.VILLAGE, 'village'],
  [CommitteeType.OWNERS, 'owners'],
  [CommitteeType.DELIBERATIVE_COUNCIL, 'deliberative_council'],
  [CommitteeType.SUPERVISORY_BOARD, 'supervisory_board'],
  [CommitteeType.CO_BUILDING, 'co_building'],
  [CommitteeType.CO_GOVERNANCE, 'co_governance'],
]);

export const seatPositions = table<SeatPosition>([
  [SeatPosition.CHAIR, 'chair'],
  [SeatPosition.VICE_CHAIR, 'vice_chair'],
  [SeatPosition.MEMBER, 'member'],
]);

export const meetingKinds = table<MeetingKind>([
  [MeetingKind.COURTYARD, 'courtyard'],
  [MeetingKind.RESIDENTS, 'residents'],
  [MeetingKind.VILLAGERS, 'villagers'],
  [MeetingKind.OWNERS_ASSEMBLY, 'owners_assembly'],
  [MeetingKind.COMMITTEE, 'committee'],
]);

export const meetingStatuses = table<MeetingStatus>([
  [MeetingStatus.SCHEDULED, 'scheduled'],
  [MeetingStatus.OPEN, 'open'],
  [MeetingStatus.CLOSED, 'closed'],
]);

export const attendanceBases = table<AttendanceBase>([
  [AttendanceBase.HOUSEHOLDS, 'households'],
  [AttendanceBase.ADULTS, 'adults'],
  [AttendanceBase.MEMBERS, 'members'],
  [AttendanceBase.OWNERS, 'owners'],
]);

export const motionKinds = table<MotionKind>([
  [MotionKind.GENERAL, 'general'],
  [MotionKind.MANDATE_COMMITTEE, 'mandate_committee'],
  [MotionKind.APPROVE_PROJECT, 'approve_project'],
  [MotionKind.APPOINT_MEMBERS, 'appoint_members'],
  [MotionKind.OWNERS_MAJOR_MATTER, 'owners_major_matter'],
  [MotionKind.USE_CONVERSION, 'use_conversion'],
]);

export const motionOutcomes = table<MotionOutcome>([
  [MotionOutcome.PENDING, 'pending'],
  [MotionOutcome.PASSED, 'passed'],
  [MotionOutcome.REJECTED, 'rejected'],
]);

export const electionModes = table<ElectionMode>([
  [ElectionMode.ALL_VOTERS, 'all_voters'],
  [ElectionMode.HOUSEHOLD_REPS, 'household_reps'],
  [ElectionMode.GROUP_REPS, 'group_reps'],
]);

export const electionStatuses = table<ElectionStatus>([
  [ElectionStatus.DRAFT, 'draft'],
  [ElectionStatus.ROLL_PUBLISHED, 'roll_published'],
  [ElectionStatus.OPEN, 'open'],
  [ElectionStatus.CLOSED, 'closed'],
  [ElectionStatus.RUNOFF_REQUIRED, 'runoff_required'],
  [ElectionStatus.CERTIFIED, 'certified'],
  [ElectionStatus.INVALID, 'invalid'],
]);

export const ballotChannels = table<BallotChannel>([
  [BallotChannel.ONLINE, 'online'],
  [BallotChannel.PAPER, 'paper'],
  [BallotChannel.MEETING, 'meeting'],
]);
