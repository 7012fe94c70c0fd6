/**
 * OW-1: the bases of the owners' double thresholds (Supreme People's Court interpretation on building unit
 * ownership, Arts. 8–9). Pure rules: no Nest, no TypeORM.
 */

export interface UnitOwnership {
  dwellingId: string;
  /** Exclusive area in hundredths of a square metre. */
  areaCentiM2: bigint;
  developerHeld: boolean;
  ownerIds: readonly string[];
}

export interface OwnersRollTotals {
  headcount: number;
  areaCentiM2: bigint;
  dwellingCount: number;
  developerHeldCount: number;
}

/**
 * Headcount: one per dwelling (专有部分按一室计算); a person owning several dwellings counts once
 * (一人拥有数个专有部分的按一人计算), so dwellings that share an owner merge; co-owners of one dwelling count
 * once; every dwelling the developer still holds (unsold or undelivered) together counts once.
 * Area: the sum of exclusive areas, integers only.
 */
export function ownersRoll(units: readonly UnitOwnership[]): OwnersRollTotals {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    let node = x;
    while (node !== root) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  let area = 0n;
  let developerHeld = 0;
  for (const u of units) {
    area += u.areaCentiM2;
    if (u.developerHeld || u.ownerIds.length === 0) {
      developerHeld++;
      continue;
    }
    const unitKey = `d:${u.dwellingId}`;
    if (!parent.has(unitKey)) parent.set(unitKey, unitKey);
    for (const owner of u.ownerIds) {
      const ownerKey = `o:${owner}`;
      if (!parent.has(ownerKey)) parent.set(ownerKey, ownerKey);
      union(unitKey, ownerKey);
    }
  }
  const groups = new Set<string>();
  for (const key of parent.keys()) if (key.startsWith('d:')) groups.add(find(key));
  return {
    headcount: groups.size + (developerHeld > 0 ? 1 : 0),
    areaCentiM2: area,
    dwellingCount: units.length,
    developerHeldCount: developerHeld,
  };
}
