/**
 * OW-1 for owners' votes: who votes as one owner, with how much exclusive area. Pure rules: no Nest, no TypeORM.
 * One per dwelling; a person owning several dwellings is one owner (their dwellings merge); co-owners of a
 * dwelling are one owner; every dwelling the developer still holds together is one owner.
 */
export interface OwnedDwelling {
  dwellingId: string;
  areaCentiM2: bigint;
  developerHeld: boolean;
  ownerIds: readonly string[];
}

export interface OwnerGroup {
  /** The smallest resident id of the group, or DEVELOPER_KEY. */
  key: string;
  residentIds: string[];
  dwellingIds: string[];
  areaCentiM2: bigint;
}

/** The developer's units vote as one owner under this key. */
export const DEVELOPER_KEY = '00000000-0000-4000-8000-000000000001';

export function ownerGroups(dwellings: readonly OwnedDwelling[]): OwnerGroup[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    while (parent.get(x) !== x) {
      const up = parent.get(parent.get(x)!)!;
      parent.set(x, up);
      x = up;
    }
    return x;
  };
  const add = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
  };
  const developer: OwnerGroup = { key: DEVELOPER_KEY, residentIds: [], dwellingIds: [], areaCentiM2: 0n };
  const owned = dwellings.filter((d) => !d.developerHeld && d.ownerIds.length > 0);
  for (const d of dwellings) {
    if (d.developerHeld || d.ownerIds.length === 0) {
      developer.dwellingIds.push(d.dwellingId);
      developer.areaCentiM2 += d.areaCentiM2;
    }
  }
  for (const d of owned) {
    add(`d:${d.dwellingId}`);
    for (const o of d.ownerIds) {
      add(`o:${o}`);
      const a = find(`d:${d.dwellingId}`);
      const b = find(`o:${o}`);
      if (a !== b) parent.set(a, b);
    }
  }
  const groups = new Map<string, OwnerGroup>();
  for (const d of owned) {
    const root = find(`d:${d.dwellingId}`);
    const g = groups.get(root) ?? { key: '', residentIds: [], dwellingIds: [], areaCentiM2: 0n };
    g.dwellingIds.push(d.dwellingId);
    g.areaCentiM2 += d.areaCentiM2;
    for (const o of d.ownerIds) if (!g.residentIds.includes(o)) g.residentIds.push(o);
    groups.set(root, g);
  }
  const out = [...groups.values()].map((g) => ({ ...g, key: [...g.residentIds].sort()[0] }));
  if (developer.dwellingIds.length > 0) out.push(developer);
  return out;
}
