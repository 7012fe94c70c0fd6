import { allows, covers, mayHandOut, pathsAllowing } from './access-policy.js';

describe('scoped authorization rules', () => {
  const street = 'a.b.c';
  it('a grant at a node covers the node and its whole subtree, nothing beside or above it', () => {
    expect(covers(street, 'a.b.c')).toBe(true);
    expect(covers(street, 'a.b.c.d.e')).toBe(true);
    expect(covers(street, 'a.b')).toBe(false);
    expect(covers(street, 'a.b.cd')).toBe(false);
    expect(covers(street, 'a.b.x.c')).toBe(false);
  });

  it('reading needs any scoped role; writing needs an operator role; auditors only read', () => {
    const auditor = [{ role: 'auditor' as const, path: street }];
    expect(allows(auditor, 'org.node.read', 'a.b.c.d')).toBe(true);
    expect(allows(auditor, 'org.node.write', 'a.b.c.d')).toBe(false);
    const op = [{ role: 'street_operator' as const, path: street }];
    expect(allows(op, 'org.node.write', 'a.b.c.d')).toBe(true);
    expect(allows(op, 'org.node.write', 'a.b.z')).toBe(false);
    expect(pathsAllowing([...op, { role: 'venue_operator' as const, path: 'q' }], 'org.node.write')).toEqual([
      street,
    ]);
  });

  it('nobody hands out a role above their own', () => {
    expect(mayHandOut('street_operator', 'community_operator')).toBe(true);
    expect(mayHandOut('street_operator', 'street_operator')).toBe(true);
    expect(mayHandOut('street_operator', 'district_operator')).toBe(false);
    expect(mayHandOut('community_operator', 'city_admin')).toBe(false);
  });
});
