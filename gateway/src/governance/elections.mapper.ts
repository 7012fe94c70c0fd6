import {
  BallotChannel,
  ElectionMode,
  ElectionStatus,
  type Candidate,
  type Election,
  type Proxy,
  type PublicResults,
  type RollObjection,
  type Tally,
} from '@linli/contracts';
import type {
  CandidateDto,
  ElectionDto,
  ElectionModeName,
  ElectionStatusName,
  ProxyDto,
  PublicResultsDto,
  RollObjectionDto,
  TallyDto,
  TellerChannelName,
} from './elections.dto.js';
import { enumCodec, iso, isoOrNull, orNull } from './governance.mapper.js';

export const electionModes = enumCodec<ElectionModeName, ElectionMode>({
  all_voters: ElectionMode.ALL_VOTERS,
  household_reps: ElectionMode.HOUSEHOLD_REPS,
  group_reps: ElectionMode.GROUP_REPS,
});

const electionStatuses = enumCodec<ElectionStatusName, ElectionStatus>({
  draft: ElectionStatus.DRAFT,
  roll_published: ElectionStatus.ROLL_PUBLISHED,
  open: ElectionStatus.OPEN,
  closed: ElectionStatus.CLOSED,
  runoff_required: ElectionStatus.RUNOFF_REQUIRED,
  certified: ElectionStatus.CERTIFIED,
  invalid: ElectionStatus.INVALID,
});

export const tellerChannels = enumCodec<TellerChannelName, BallotChannel>({
  paper: BallotChannel.PAPER,
  meeting: BallotChannel.MEETING,
});

function toCandidateDto(c: Candidate): CandidateDto {
  return {
    id: c.id,
    residentId: c.residentId,
    displayName: c.displayName,
    statement: orNull(c.statement),
    publicNameConsent: c.publicNameConsent,
    rounds: [...c.rounds],
  };
}

export function toElectionDto(e: Election): ElectionDto {
  return {
    id: e.id,
    scopeNodeId: e.scopeNodeId,
    committeeId: e.committeeId,
    title: e.title,
    mode: electionModes.toName(e.mode),
    seats: e.seats,
    electionDay: e.electionDay,
    allowRevote: e.allowRevote,
    status: electionStatuses.toName(e.status),
    rollPublishedAt: isoOrNull(e.rollPublishedAt),
    objectionDeadline: orNull(e.objectionDeadline),
    registeredElectors: e.registeredElectors,
    round: e.round,
    seatsOpen: e.seatsOpen,
    candidates: e.candidates.map(toCandidateDto),
    version: Number(e.version),
  };
}

export function toRollObjectionDto(o: RollObjection): RollObjectionDto {
  return {
    id: o.id,
    electionId: o.electionId,
    claim: o.claim,
    residentId: o.residentId,
    reason: o.reason,
    lodgedAt: iso(o.lodgedAt),
    status: o.status,
    answer: orNull(o.answer),
    decideBy: o.decideBy,
  };
}

export function toTallyDto(t: Tally): TallyDto {
  return {
    electionId: t.electionId,
    round: t.round,
    registered: Number(t.registered),
    ballotsCast: Number(t.ballotsCast),
    valid: t.valid,
    results: t.results.map((r) => ({
      candidateId: r.candidateId,
      displayName: r.displayName,
      votes: Number(r.votes),
      elected: r.elected,
      reason: r.reason,
    })),
    seatsFilled: t.seatsFilled,
    nextRoundCandidateIds: [...t.nextRoundCandidateIds],
    ballotsDigest: t.ballotsDigest,
    rule: t.rule,
  };
}

export function toPublicResultsDto(r: PublicResults): PublicResultsDto {
  return {
    electionId: r.electionId,
    title: r.title,
    scopeNodeId: r.scopeNodeId,
    seats: r.seats,
    rounds: r.rounds.map(toTallyDto),
    elected: r.elected.map((m) => ({
      candidateId: m.candidateId,
      displayName: m.displayName,
      votes: Number(m.votes),
      round: m.round,
    })),
    certifiedAt: isoOrNull(r.certifiedAt),
  };
}

export function toProxyDto(p: Proxy): ProxyDto {
  return {
    id: p.id,
    electionId: p.electionId,
    principalResidentId: orNull(p.principalResidentId),
    holderResidentId: orNull(p.holderResidentId),
    relation: p.relation,
    documentRef: orNull(p.documentRef),
    principalDisplayName: p.principalDisplayName,
    holderDisplayName: p.holderDisplayName,
  };
}
