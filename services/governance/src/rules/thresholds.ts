/**
 * Integer threshold arithmetic (DOMAIN.md "Counting conventions"): never floating point. A threshold
 * `numerator/denominator` is met by `count` of `of` iff `denominator*count > numerator*of` (strict: 过半数,
 * 超过) or `>=` (inclusive: 以上, 半数以上). No Nest, no TypeORM.
 */
export interface Threshold {
  numerator: number;
  denominator: number;
  strict: boolean;
  /** The rule id the threshold implements ("RC-5", "OW-11", "custom"). */
  rule: string;
}

export function meets(t: Threshold, count: bigint | number, of: bigint | number): boolean {
  const lhs = BigInt(t.denominator) * BigInt(count);
  const rhs = BigInt(t.numerator) * BigInt(of);
  return t.strict ? lhs > rhs : lhs >= rhs;
}

/** "2*31 > 45 (RC-5)": the arithmetic that decided, for minutes and notices. */
export function explain(t: Threshold, count: bigint | number, of: bigint | number): string {
  const op = t.strict ? '>' : '>=';
  const not = meets(t, count, of) ? '' : 'not ';
  return `${not}${t.denominator}*${count} ${op} ${t.numerator}*${of} (${t.rule})`;
}

export function validThreshold(t: Partial<Threshold> | undefined): t is Threshold {
  return (
    !!t &&
    Number.isInteger(t.numerator) &&
    Number.isInteger(t.denominator) &&
    t.numerator! > 0 &&
    t.denominator! > 0 &&
    t.numerator! <= t.denominator! &&
    typeof t.strict === 'boolean'
  );
}

// --- Owners' assembly (Civil Code Art. 278) ----------------------------------------------------------------

export interface OwnersCount {
  /** Exclusive floor area in hundredths of m² (integers, OW-1). */
  area: bigint;
  /** Owners by headcount (OW-1). */
  owners: bigint;
}

/** OW-2: ≥ 2/3 of the area and ≥ 2/3 of the owners take part. */
export function ownersParticipationValid(participating: OwnersCount, total: OwnersCount): boolean {
  return 3n * participating.area >= 2n * total.area && 3n * participating.owners >= 2n * total.owners;
}

/** OW-3: major matters (maintenance fund, rebuilding, change of use of common parts): ≥ 3/4 of both. */
export function ownersMajorMatterPasses(yes: OwnersCount, participating: OwnersCount): boolean {
  return 4n * yes.area >= 3n * participating.area && 4n * yes.owners >= 3n * participating.owners;
}

/** OW-4: other matters: more than half of both. */
export function ownersOrdinaryMatterPasses(yes: OwnersCount, participating: OwnersCount): boolean {
  return 2n * yes.area > participating.area && 2n * yes.owners > participating.owners;
}

/** OW-5: a dwelling-to-commercial conversion needs every other affected owner's consent; no majority suffices. */
export function conversionConsented(
  affectedOwners: readonly string[],
  consenting: readonly string[],
): boolean {
  const yes = new Set(consenting);
  return affectedOwners.every((o) => yes.has(o));
}

// --- Residents' and villagers' meetings -------------------------------------------------------------------

/** VC-9: quorate iff more than half of adults attend, or at least 2/3 of households' representatives do. */
export function villagersMeetingQuorate(
  adultsPresent: number,
  adults: number,
  householdRepsPresent: number,
  households: number,
): boolean {
  return 2 * adultsPresent > adults || 3 * householdRepsPresent >= 2 * households;
}

/** RC-6: the committee must convene a residents' meeting on ≥ 1/5 of adults or households, or ≥ 1/3 of groups. */
export function residentsMeetingDemanded(
  supporters: number,
  base: number,
  basis: 'adults' | 'households' | 'groups',
): boolean {
  return basis === 'groups' ? 3 * supporters >= base : 5 * supporters >= base;
}
