import { DEVELOPER_KEY, ownerGroups } from './owners-roll.js';

describe("owners' roll for votes (OW-1)", () => {
  it("OW-1: co-owners vote as one, a multi-unit owner as one, the developer's units as one; areas add up exactly", () => {
    const groups = ownerGroups([
      { dwellingId: 'd1', areaCentiM2: 9_012n, developerHeld: false, ownerIds: ['a', 'b'] },
      { dwellingId: 'd2', areaCentiM2: 8_000n, developerHeld: false, ownerIds: ['b'] },
      { dwellingId: 'd3', areaCentiM2: 10_050n, developerHeld: false, ownerIds: ['c'] },
      { dwellingId: 'd4', areaCentiM2: 7_000n, developerHeld: true, ownerIds: [] },
      { dwellingId: 'd5', areaCentiM2: 7_001n, developerHeld: true, ownerIds: [] },
    ]);
    expect(groups).toHaveLength(3);
    expect(groups.find((g) => g.key === 'a')).toMatchObject({
      residentIds: ['a', 'b'],
      areaCentiM2: 17_012n,
    });
    expect(groups.find((g) => g.key === 'c')!.areaCentiM2).toBe(10_050n);
    expect(groups.find((g) => g.key === DEVELOPER_KEY)).toMatchObject({
      dwellingIds: ['d4', 'd5'],
      areaCentiM2: 14_001n,
    });
  });
});
