import type { SizeRuleValue } from '../rules/parameters.js';

/** Committee rules: no Nest, no TypeORM. */
export const COMMITTEE_TYPES = [
  'residents',
  'village',
  'owners',
  'deliberative_council',
  'supervisory_board',
  'co_building',
  'co_governance',
] as const;
export type CommitteeTypeName = (typeof COMMITTEE_TYPES)[number];

/** Committees whose authority comes from a meeting decision (not statutory bodies). */
export const MANDATED_TYPES: ReadonlySet<CommitteeTypeName> = new Set(['co_building', 'co_governance']);

/** The size parameter of a type, where a statute sets one (RC-1, VC-1, OW-10). */
export const SIZE_PARAMETER: Partial<Record<CommitteeTypeName, string>> = {
  residents: 'committee.size.residents',
  village: 'committee.size.village',
  owners: 'committee.size.owners',
};

export const SIZE_RULE_ID: Partial<Record<CommitteeTypeName, string>> = {
  residents: 'RC-1',
  village: 'VC-1',
  owners: 'OW-10',
};

/** RC-1 (5–9), VC-1 (3–7), OW-10 (odd, 5–11): undefined if the size is allowed, else why not. */
export function sizeViolation(size: number, rule: SizeRuleValue | undefined): string | undefined {
  if (!Number.isInteger(size) || size < 1 || size > 99) return 'must be 1 to 99';
  if (!rule) return undefined;
  if (size < rule.min || size > rule.max) return `must be ${rule.min} to ${rule.max}`;
  if (rule.odd && size % 2 === 0) return 'must be odd';
  return undefined;
}

export interface SeatHolder {
  woman: boolean;
}

/**
 * VC-1: a village committee has at least `womenMin` women. Checked when a seat is filled: the filling that would
 * leave no seat for the missing women is refused.
 */
export function womenRuleViolated(
  held: readonly SeatHolder[],
  incoming: SeatHolder,
  size: number,
  womenMin: number,
): boolean {
  const women = held.filter((h) => h.woman).length + (incoming.woman ? 1 : 0);
  const seatsLeftAfter = size - held.length - 1;
  return women + seatsLeftAfter < womenMin;
}

export const PORTFOLIO_PATTERN = /^[a-z][a-z0-9_]{1,39}$/;

/** The default portfolios of a co-governance committee (configurable per committee). */
export const DEFAULT_PORTFOLIOS = ['flowers', 'water_resources', 'sanitation', 'vehicles', 'greening'];
