import { ScopedRole as ScopedRoleEnum } from '@linli/contracts';

/** Rules of scoped authorization: no Nest, no TypeORM. */

export const SCOPED_ROLES = [
  'city_admin',
  'district_operator',
  'street_operator',
  'community_operator',
  'compound_manager',
  'venue_operator',
  'auditor',
] as const;
export type ScopedRoleName = (typeof SCOPED_ROLES)[number];

export type Action =
  | 'org.node.read'
  | 'org.node.write'
  | 'org.role.read'
  | 'org.role.grant'
  | 'org.household.read'
  | 'org.household.write'
  | 'org.resident.read_id_full'
  | 'org.organisation.read'
  | 'org.organisation.write'
  | 'governance.read'
  | 'governance.write'
  | 'governance.certify';

const ALLOWED: Record<Action, readonly ScopedRoleName[]> = {
  'org.node.read': SCOPED_ROLES,
  'org.node.write': [
    'city_admin',
    'district_operator',
    'street_operator',
    'community_operator',
    'compound_manager',
  ],
  'org.role.read': ['city_admin', 'district_operator', 'street_operator', 'community_operator', 'auditor'],
  'org.role.grant': ['city_admin', 'district_operator', 'street_operator', 'community_operator'],
  'org.household.read': [
    'city_admin',
    'district_operator',
    'street_operator',
    'community_operator',
    'compound_manager',
    'auditor',
  ],
  'org.household.write': [
    'city_admin',
    'district_operator',
    'street_operator',
    'community_operator',
    'compound_manager',
  ],
  // VIEW_ID_FULL (PI-1): the community that registers residents and the city's administrators; every read is logged.
  'org.resident.read_id_full': ['city_admin', 'community_operator'],
  'org.organisation.read': SCOPED_ROLES,
  'org.organisation.write': ['city_admin', 'district_operator', 'street_operator', 'community_operator'],
  // Checked by the governance service through CheckAccess (its committees, meetings, elections …).
  'governance.read': SCOPED_ROLES,
  'governance.write': [
    'city_admin',
    'district_operator',
    'street_operator',
    'community_operator',
    'compound_manager',
  ],
  // Certifying an election's results is for the government levels (community and up), not a compound's manager.
  'governance.certify': ['city_admin', 'district_operator', 'street_operator', 'community_operator'],
};

export const ACTIONS = Object.keys(ALLOWED) as Action[];

export function isAction(value: string): value is Action {
  return (ACTIONS as string[]).includes(value);
}

export function rolesFor(action: Action): readonly ScopedRoleName[] {
  return ALLOWED[action];
}

/** Lower is more powerful. A grantor may hand out only roles at or below their own rank. */
const RANK: Record<ScopedRoleName, number> = {
  city_admin: 0,
  district_operator: 1,
  street_operator: 2,
  community_operator: 3,
  compound_manager: 4,
  venue_operator: 4,
  auditor: 4,
};

export function mayHandOut(grantor: ScopedRoleName, role: ScopedRoleName): boolean {
  return RANK[grantor] <= RANK[role];
}

/** A grant at a node covers its subtree: the assignment's path is the target's path or an ancestor of it. */
export function covers(assignmentPath: string, targetPath: string): boolean {
  return targetPath === assignmentPath || targetPath.startsWith(`${assignmentPath}.`);
}

export interface Scope {
  role: ScopedRoleName;
  path: string;
}

export function allows(scopes: readonly Scope[], action: Action, targetPath: string): boolean {
  const roles = ALLOWED[action];
  return scopes.some((s) => roles.includes(s.role) && covers(s.path, targetPath));
}

/** Paths under which the scopes allow the action (for filtering searches). */
export function pathsAllowing(scopes: readonly Scope[], action: Action): string[] {
  const roles = ALLOWED[action];
  return scopes.filter((s) => roles.includes(s.role)).map((s) => s.path);
}

const ENUM_BY_NAME: Record<ScopedRoleName, ScopedRoleEnum> = {
  city_admin: ScopedRoleEnum.CITY_ADMIN,
  district_operator: ScopedRoleEnum.DISTRICT_OPERATOR,
  street_operator: ScopedRoleEnum.STREET_OPERATOR,
  community_operator: ScopedRoleEnum.COMMUNITY_OPERATOR,
  compound_manager: ScopedRoleEnum.COMPOUND_MANAGER,
  venue_operator: ScopedRoleEnum.VENUE_OPERATOR,
  auditor: ScopedRoleEnum.AUDITOR,
};

export function roleToEnum(role: ScopedRoleName): ScopedRoleEnum {
  return ENUM_BY_NAME[role];
}

export function roleFromEnum(value: ScopedRoleEnum): ScopedRoleName | undefined {
  return SCOPED_ROLES.find((r) => ENUM_BY_NAME[r] === value);
}
