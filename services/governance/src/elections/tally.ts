import { meets, type Threshold } from '../rules/thresholds.js';
import type { ElectionThresholds } from '../rules/parameters.js';

/**
 * Counting one round of an election (RC-8, VC-5). No Nest, no TypeORM; integers only.
 *
 * - The round is valid iff `2*ballots_cast > registered` (validity threshold).
 * - regular round: a candidate is elected iff `2*votes > ballots_cast`; if more pass than there are seats, the
 *   highest win; a tie at the last seat goes to a re-vote among the tied candidates; seats left unfilled go to a
 *   runoff among the top unsuccessful candidates (more candidates than seats, VC-4); a runoff's unfilled
 *   seats stay vacant (a by-election fills them later).
 * - runoff round: plurality, but only with `3*votes >= ballots_cast`.
 * - revote round (ties): plurality among the tied candidates.
 */
export type RoundKind = 'regular' | 'runoff' | 'revote';

export interface RoundInput {
  kind: RoundKind;
  registered: number;
  ballotsCast: number;
  seatsOpen: number;
  /** Votes per candidate standing in this round (candidates with no vote must be present with 0). */
  votes: ReadonlyMap<string, number>;
  thresholds: ElectionThresholds;
}

export interface CandidateOutcome {
  candidateId: string;
  votes: number;
  elected: boolean;
  reason:
    'majority' | 'runoff_plurality' | 'revote_plurality' | 'tie' | 'below_threshold' | 'not_enough_seats';
}

export interface RoundResult {
  valid: boolean;
  outcomes: CandidateOutcome[];
  elected: string[];
  /** Kind and candidates of the next round, if one is needed. */
  next?: { kind: 'runoff' | 'revote'; candidateIds: string[]; seats: number };
  rule: string;
}

function ranked(votes: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...votes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/**
 * Picks up to `seats` from `eligible` (ranked) and detects a tie at the last seat: those tied with the last
 * seat's votes are not elected and go to a re-vote for the seats they compete for.
 */
function pickWithTies(eligible: Array<[string, number]>, seats: number) {
  if (eligible.length <= seats)
    return { elected: eligible.map(([id]) => id), tied: [] as string[], tiedSeats: 0 };
  const cut = eligible[seats - 1][1];
  const next = eligible[seats][1];
  if (cut !== next) return { elected: eligible.slice(0, seats).map(([id]) => id), tied: [], tiedSeats: 0 };
  const above = eligible.filter(([, v]) => v > cut).map(([id]) => id);
  const tied = eligible.filter(([, v]) => v === cut).map(([id]) => id);
  return { elected: above, tied, tiedSeats: seats - above.length };
}

export function tallyRound(input: RoundInput): RoundResult {
  const { thresholds: t } = input;
  const list = ranked(input.votes);
  const valid = meets(t.validity, input.ballotsCast, input.registered);
  if (!valid) {
    return {
      valid,
      outcomes: list.map(([candidateId, votes]) => ({
        candidateId,
        votes,
        elected: false,
        reason: 'below_threshold',
      })),
      elected: [],
      rule: `${t.validity.rule}: turnout ${input.ballotsCast} of ${input.registered} registered`,
    };
  }
  const threshold: Threshold | undefined =
    input.kind === 'regular' ? t.win : input.kind === 'runoff' ? t.runoff : undefined;
  const eligible = list.filter(([, v]) => !threshold || meets(threshold, v, input.ballotsCast));
  const { elected, tied, tiedSeats } = pickWithTies(eligible, input.seatsOpen);
  const electedSet = new Set(elected);
  const tiedSet = new Set(tied);
  const eligibleSet = new Set(eligible.map(([id]) => id));
  const winReason =
    input.kind === 'regular' ? 'majority' : input.kind === 'runoff' ? 'runoff_plurality' : 'revote_plurality';
  const outcomes: CandidateOutcome[] = list.map(([candidateId, votes]) => ({
    candidateId,
    votes,
    elected: electedSet.has(candidateId),
    reason: electedSet.has(candidateId)
      ? winReason
      : tiedSet.has(candidateId)
        ? 'tie'
        : eligibleSet.has(candidateId)
          ? 'not_enough_seats'
          : 'below_threshold',
  }));
  const rule = threshold ? threshold.rule : t.win.rule;
  if (tied.length > 0) {
    return { valid, outcomes, elected, next: { kind: 'revote', candidateIds: tied, seats: tiedSeats }, rule };
  }
  const remaining = input.seatsOpen - elected.length;
  if (remaining > 0 && input.kind === 'regular') {
    // Runoff among the top unsuccessful candidates: twice the open seats where there are that many (always
    // more candidates than seats, VC-4), candidates tied at the cut included.
    const unsuccessful = list.filter(([id]) => !electedSet.has(id));
    if (unsuccessful.length > remaining) {
      const want = Math.min(unsuccessful.length, remaining * 2);
      const cutVotes = unsuccessful[want - 1][1];
      const runoff = unsuccessful.filter(([, v], i) => i < want || v === cutVotes).map(([id]) => id);
      return {
        valid,
        outcomes,
        elected,
        next: { kind: 'runoff', candidateIds: runoff, seats: remaining },
        rule,
      };
    }
  }
  return { valid, outcomes, elected, rule };
}
