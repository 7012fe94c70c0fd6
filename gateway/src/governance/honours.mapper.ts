import type { HonourAward, HonourNomination, HonourScheme } from '@linli/contracts';
import { iso, orNull } from './governance.mapper.js';
import type { HonourAwardDto, HonourNominationDto, HonourSchemeDto } from './honours.dto.js';

export function toHonourSchemeDto(s: HonourScheme): HonourSchemeDto {
  return {
    id: s.id,
    scopeNodeId: s.scopeNodeId,
    title: s.title,
    honouree: s.honouree,
    excludePreviousWinner: s.excludePreviousWinner,
    nominationsPerUnit: s.nominationsPerUnit,
  };
}

export function toHonourNominationDto(n: HonourNomination): HonourNominationDto {
  return {
    id: n.id,
    schemeId: n.schemeId,
    period: n.period,
    unitNodeId: n.unitNodeId,
    householdId: orNull(n.householdId),
    residentId: orNull(n.residentId),
    displayName: n.displayName,
    votes: n.votes,
    awarded: n.awarded,
  };
}

export function toHonourAwardDto(a: HonourAward): HonourAwardDto {
  return {
    schemeId: a.schemeId,
    schemeTitle: a.schemeTitle,
    period: a.period,
    nominationId: a.nominationId,
    displayName: a.displayName,
    meetingId: a.meetingId,
    votes: a.votes,
    awardedAt: iso(a.awardedAt),
  };
}
