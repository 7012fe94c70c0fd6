import {
  SCOPED_ROLES,
  allows,
  covers,
  isAction,
  mayHandOut,
  pathsAllowing,
  rolesFor,
} from './access-policy.js';

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

  it('governance (checked by the governance service through CheckAccess): all read, operators write, compound managers do not certify', () => {
    for (const action of ['governance.read', 'governance.write', 'governance.certify'])
      expect(isAction(action)).toBe(true);
    expect(isAction('governance.delete')).toBe(false);
    expect(rolesFor('governance.read')).toEqual(SCOPED_ROLES);
    expect([...rolesFor('governance.write')].sort()).toEqual(
      ['city_admin', 'community_operator', 'compound_manager', 'district_operator', 'street_operator'].sort(),
    );
    expect([...rolesFor('governance.certify')].sort()).toEqual(
      ['city_admin', 'community_operator', 'district_operator', 'street_operator'].sort(),
    );
    const compound = [{ role: 'compound_manager' as const, path: 'a.b.c.d' }];
    expect(allows(compound, 'governance.write', 'a.b.c.d.e')).toBe(true);
    expect(allows(compound, 'governance.certify', 'a.b.c.d.e')).toBe(false);
    const auditor = [{ role: 'auditor' as const, path: street }];
    expect(allows(auditor, 'governance.read', 'a.b.c.d')).toBe(true);
    expect(allows(auditor, 'governance.write', 'a.b.c.d')).toBe(false);
    const venue = [{ role: 'venue_operator' as const, path: street }];
    expect(allows(venue, 'governance.read', 'a.b.c')).toBe(true);
    expect(allows(venue, 'governance.write', 'a.b.c')).toBe(false);
    const community = [{ role: 'community_operator' as const, path: street }];
    expect(allows(community, 'governance.certify', 'a.b.c.d')).toBe(true);
    expect(allows(community, 'governance.certify', 'a.b')).toBe(false);
  });

  it('nobody hands out a role above their own', () => {
    expect(mayHandOut('street_operator', 'community_operator')).toBe(true);
    expect(mayHandOut('street_operator', 'street_operator')).toBe(true);
    expect(mayHandOut('street_operator', 'district_operator')).toBe(false);
    expect(mayHandOut('community_operator', 'city_admin')).toBe(false);
  });
});
