import { tallyRound, type RoundInput } from './tally.js';

const thresholds = {
  validity: { numerator: 1, denominator: 2, strict: true, rule: 'RC-8' },
  win: { numerator: 1, denominator: 2, strict: true, rule: 'RC-8' },
  runoff: { numerator: 1, denominator: 3, strict: false, rule: 'RC-8' },
};

function round(votes: Record<string, number>, over: Partial<RoundInput> = {}) {
  return tallyRound({
    kind: 'regular',
    registered: 100,
    ballotsCast: 60,
    seatsOpen: 2,
    votes: new Map(Object.entries(votes)),
    thresholds,
    ...over,
  });
}

describe('election tally (RC-8, VC-5)', () => {
  it('RC-8/VC-5: valid iff 2*ballots_cast > registered (exactly half is not enough)', () => {
    expect(round({ a: 40, b: 35, c: 10 }, { ballotsCast: 50 }).valid).toBe(false);
    expect(round({ a: 40, b: 35, c: 10 }, { ballotsCast: 51 }).valid).toBe(true);
    expect(round({ a: 40 }, { ballotsCast: 50 }).elected).toEqual([]);
  });

  it('RC-8: elected iff 2*votes > ballots_cast; exactly half of the ballots does not win', () => {
    const r = round({ a: 31, b: 30, c: 29 }, { ballotsCast: 60 });
    expect(r.elected).toEqual(['a']);
    expect(r.outcomes.find((o) => o.candidateId === 'b')!.reason).toBe('below_threshold');
  });

  it('RC-8: more passing than seats: the highest win', () => {
    const r = round({ a: 50, b: 45, c: 40 }, { ballotsCast: 60 });
    expect(r.elected).toEqual(['a', 'b']);
    expect(r.outcomes.find((o) => o.candidateId === 'c')!.reason).toBe('not_enough_seats');
    expect(r.next).toBeUndefined();
  });

  it('RC-8: a tie at the last seat goes to a re-vote among the tied candidates', () => {
    const r = round({ a: 50, b: 40, c: 40 }, { ballotsCast: 60 });
    expect(r.elected).toEqual(['a']);
    expect(r.next).toEqual({ kind: 'revote', candidateIds: ['b', 'c'], seats: 1 });
  });

  it('RC-8/VC-4: unfilled seats go to a runoff among the top unsuccessful candidates, more of them than seats', () => {
    const r = round({ a: 40, b: 25, c: 20, d: 10, e: 5 }, { ballotsCast: 60 });
    expect(r.elected).toEqual(['a']);
    expect(r.next).toEqual({ kind: 'runoff', candidateIds: ['b', 'c'], seats: 1 });
    const two = round({ a: 20, b: 19, c: 18, d: 17, e: 5 }, { ballotsCast: 60 });
    expect(two.next).toEqual({ kind: 'runoff', candidateIds: ['a', 'b', 'c', 'd'], seats: 2 });
  });

  it('RC-8/VC-5: a runoff winner needs a plurality and 3*votes >= ballots_cast; otherwise the seat stays vacant', () => {
    const ok = round({ b: 20, c: 19 }, { kind: 'runoff', seatsOpen: 1, ballotsCast: 60 });
    expect(ok.elected).toEqual(['b']);
    const short = round({ b: 19, c: 18 }, { kind: 'runoff', seatsOpen: 1, ballotsCast: 60 });
    expect(short.elected).toEqual([]);
    expect(short.next).toBeUndefined();
  });

  it('a re-vote among tied candidates is decided by plurality; a new tie re-votes again', () => {
    expect(round({ b: 31, c: 29 }, { kind: 'revote', seatsOpen: 1 }).elected).toEqual(['b']);
    expect(round({ b: 30, c: 30 }, { kind: 'revote', seatsOpen: 1 }).next).toEqual({
      kind: 'revote',
      candidateIds: ['b', 'c'],
      seats: 1,
    });
  });

  it('counts a 100,000-ballot round with integer arithmetic only', () => {
    const r = round({ a: 50_001, b: 49_999 }, { registered: 150_000, ballotsCast: 100_000, seatsOpen: 1 });
    expect(r).toMatchObject({ valid: true, elected: ['a'] });
  });
});
