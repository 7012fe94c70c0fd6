import {
  addDays,
  civilDate,
  daysBetween,
  isDate,
  noticeSufficient,
  periodEnd,
  previousPeriod,
} from './calendar.js';
import { resolveParameter, type RuleParameter } from './parameters.js';
import {
  conversionConsented,
  meets,
  ownersMajorMatterPasses,
  ownersOrdinaryMatterPasses,
  ownersParticipationValid,
  residentsMeetingDemanded,
  villagersMeetingQuorate,
} from './thresholds.js';
import { sizeViolation, womenRuleViolated } from '../committees/committee-rules.js';

const half = { numerator: 1, denominator: 2, strict: true, rule: 'RC-5' };

describe('thresholds and counting conventions (Civil Code Art. 1259)', () => {
  it('RC-5: quorate iff 2*present > base; a motion passes iff 2*yes > present (abstentions count against)', () => {
    expect(meets(half, 50, 100)).toBe(false);
    expect(meets(half, 51, 100)).toBe(true);
    // 4 yes, 3 no, 1 abstain of 8 present: 2*4 > 8 is false.
    expect(meets(half, 4, 8)).toBe(false);
  });

  it('OW-11: an owners committee decides with half or more of ALL members (2*yes >= members)', () => {
    const ow11 = { numerator: 1, denominator: 2, strict: false, rule: 'OW-11' };
    expect(meets(ow11, 3, 7)).toBe(false);
    expect(meets(ow11, 4, 7)).toBe(true);
    expect(meets(ow11, 3, 6)).toBe(true);
  });

  it('OW-2: participation needs >= 2/3 of area AND >= 2/3 of owners', () => {
    const total = { area: 900_000n, owners: 90n };
    expect(ownersParticipationValid({ area: 600_000n, owners: 60n }, total)).toBe(true);
    expect(ownersParticipationValid({ area: 599_999n, owners: 90n }, total)).toBe(false);
    expect(ownersParticipationValid({ area: 900_000n, owners: 59n }, total)).toBe(false);
  });

  it('OW-3: major matters need >= 3/4 of participating area AND headcount', () => {
    const part = { area: 400n, owners: 40n };
    expect(ownersMajorMatterPasses({ area: 300n, owners: 30n }, part)).toBe(true);
    expect(ownersMajorMatterPasses({ area: 299n, owners: 40n }, part)).toBe(false);
  });

  it('OW-4: other matters need more than half of both (exactly half fails)', () => {
    const part = { area: 400n, owners: 40n };
    expect(ownersOrdinaryMatterPasses({ area: 201n, owners: 21n }, part)).toBe(true);
    expect(ownersOrdinaryMatterPasses({ area: 200n, owners: 40n }, part)).toBe(false);
  });

  it('OW-5: a conversion needs every affected owner; a majority is never enough', () => {
    expect(conversionConsented(['a', 'b', 'c'], ['a', 'b'])).toBe(false);
    expect(conversionConsented(['a', 'b', 'c'], ['c', 'b', 'a'])).toBe(true);
  });

  it('VC-9: quorate with more than half of adults, or at least 2/3 of household representatives', () => {
    expect(villagersMeetingQuorate(50, 100, 0, 30)).toBe(false);
    expect(villagersMeetingQuorate(51, 100, 0, 30)).toBe(true);
    expect(villagersMeetingQuorate(0, 100, 20, 30)).toBe(true);
    expect(villagersMeetingQuorate(0, 100, 19, 30)).toBe(false);
  });

  it('RC-6: a meeting is demanded by >= 1/5 of adults or households, or >= 1/3 of groups', () => {
    expect(residentsMeetingDemanded(20, 100, 'adults')).toBe(true);
    expect(residentsMeetingDemanded(19, 100, 'households')).toBe(false);
    expect(residentsMeetingDemanded(3, 9, 'groups')).toBe(true);
  });
});

describe('committee sizes', () => {
  it('RC-1: a residents committee has 5 to 9 members', () => {
    const rc1 = { min: 5, max: 9 };
    expect(sizeViolation(4, rc1)).toBeDefined();
    expect(sizeViolation(5, rc1)).toBeUndefined();
    expect(sizeViolation(9, rc1)).toBeUndefined();
    expect(sizeViolation(10, rc1)).toBeDefined();
  });

  it('OW-10: an owners committee has an odd size from 5 to 11', () => {
    const ow10 = { min: 5, max: 11, odd: true };
    expect(sizeViolation(6, ow10)).toBe('must be odd');
    expect(sizeViolation(11, ow10)).toBeUndefined();
    expect(sizeViolation(13, ow10)).toBeDefined();
  });

  it('VC-1: a village committee of 3 to 7 keeps a seat for at least one woman', () => {
    expect(sizeViolation(2, { min: 3, max: 7, womenMin: 1 })).toBeDefined();
    // Two men on a 3-seat committee: the last seat must go to a woman.
    expect(womenRuleViolated([{ woman: false }, { woman: false }], { woman: false }, 3, 1)).toBe(true);
    expect(womenRuleViolated([{ woman: false }, { woman: false }], { woman: true }, 3, 1)).toBe(false);
    expect(womenRuleViolated([{ woman: false }], { woman: false }, 3, 1)).toBe(false);
  });
});

describe('Civil Code day counting (Art. 200-203)', () => {
  it('OW-7/VC-9: notice days count from the day after the notice', () => {
    expect(daysBetween('2026-11-01', '2026-11-16')).toBe(15);
    expect(noticeSufficient(new Date('2026-11-01T02:00:00Z'), new Date('2026-11-16T02:00:00Z'), 15)).toBe(
      true,
    );
    expect(noticeSufficient(new Date('2026-11-01T02:00:00Z'), new Date('2026-11-15T02:00:00Z'), 15)).toBe(
      false,
    );
  });

  it('dates are China Standard Time civil dates', () => {
    expect(civilDate(new Date('2026-11-30T16:30:00Z'))).toBe('2026-12-01');
    expect(isDate('2026-02-29')).toBe(false);
    expect(isDate('2028-02-29')).toBe(true);
  });

  it('Art. 203: a period ending on a statutory holiday ends on the next day', () => {
    expect(periodEnd('2026-09-25', 6, new Set(['2026-10-01', '2026-10-02']))).toBe('2026-10-03');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('VC-3: objections within 5 days of publication; previous period for honours', () => {
    expect(addDays('2026-11-01', 5)).toBe('2026-11-06');
    expect(previousPeriod('2026-01')).toBe('2025-12');
  });
});

describe('versioned rule parameters', () => {
  const all: RuleParameter[] = [
    {
      key: 'committee.size.residents',
      jurisdiction: '*',
      effectiveFrom: '2018-12-29',
      value: { min: 5, max: 9 },
      ruleIds: ['RC-1'],
    },
    {
      key: 'committee.size.residents',
      jurisdiction: '*',
      effectiveFrom: '2026-01-01',
      value: { min: 5, max: 11 },
      ruleIds: ['RC-1'],
    },
    {
      key: 'committee.size.residents',
      jurisdiction: '51',
      effectiveFrom: '2026-06-01',
      value: { min: 7, max: 11 },
      ruleIds: ['RC-1'],
    },
  ];

  it('every threshold is a parameter with an effective date and a jurisdiction, not a constant', () => {
    expect(resolveParameter(all, 'committee.size.residents', '2025-12-31')!.value).toEqual({
      min: 5,
      max: 9,
    });
    expect(resolveParameter(all, 'committee.size.residents', '2026-01-01')!.value).toEqual({
      min: 5,
      max: 11,
    });
    expect(resolveParameter(all, 'committee.size.residents', '2026-07-01', '51')!.value).toEqual({
      min: 7,
      max: 11,
    });
    expect(resolveParameter(all, 'committee.size.residents', '2026-07-01', '44')!.value).toEqual({
      min: 5,
      max: 11,
    });
    expect(resolveParameter(all, 'committee.size.residents', '2010-01-01')).toBeUndefined();
  });
});
