import { ownersRoll } from './owners-roll.js';

const unit = (id: string, area: number, owners: string[], developerHeld = false) => ({
  dwellingId: id,
  areaCentiM2: BigInt(area),
  developerHeld,
  ownerIds: owners,
});

describe('OW-1: owners by headcount and by exclusive area', () => {
  it('counts one per dwelling', () => {
    expect(ownersRoll([unit('a', 8950, ['p1']), unit('b', 10000, ['p2'])])).toMatchObject({
      headcount: 2,
      areaCentiM2: 18950n,
    });
  });

  it('counts a person owning several dwellings once, with all their area', () => {
    const roll = ownersRoll([unit('a', 8950, ['p1']), unit('b', 10000, ['p1']), unit('c', 7000, ['p2'])]);
    expect(roll).toMatchObject({ headcount: 2, areaCentiM2: 25950n, dwellingCount: 3 });
  });

  it('counts the co-owners of a dwelling once, and merges dwellings linked through a shared owner', () => {
    // p1+p2 co-own a; p2 alone owns b → a and b are one owner group.
    expect(
      ownersRoll([unit('a', 9000, ['p1', 'p2']), unit('b', 9000, ['p2']), unit('c', 9000, ['p3'])]).headcount,
    ).toBe(2);
  });

  it('counts every dwelling the developer still holds as one owner together', () => {
    const roll = ownersRoll([unit('a', 9000, [], true), unit('b', 9000, [], true), unit('c', 9000, ['p1'])]);
    expect(roll).toMatchObject({ headcount: 2, developerHeldCount: 2, areaCentiM2: 27000n });
  });

  it('an empty compound has no owners', () => {
    expect(ownersRoll([])).toEqual({
      headcount: 0,
      areaCentiM2: 0n,
      dwellingCount: 0,
      developerHeldCount: 0,
    });
  });
});
