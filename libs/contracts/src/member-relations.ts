import { MemberRelation } from './gen/linli/org/v1/households_pb.js';

/**
 * Household member relations by the lower-case names the HTTP API, import files and org's database use, in
 * display order; the one mapping between them and the proto enum.
 */
export const MEMBER_RELATION_NAMES = [
  'head',
  'spouse',
  'child',
  'parent',
  'grandchild',
  'grandparent',
  'sibling',
  'other',
] as const;

export type MemberRelationName = (typeof MEMBER_RELATION_NAMES)[number];

export const MEMBER_RELATIONS: Readonly<Record<MemberRelationName, MemberRelation>> = {
  head: MemberRelation.HEAD,
  spouse: MemberRelation.SPOUSE,
  child: MemberRelation.CHILD,
  parent: MemberRelation.PARENT,
  grandchild: MemberRelation.GRANDCHILD,
  grandparent: MemberRelation.GRANDPARENT,
  sibling: MemberRelation.SIBLING,
  other: MemberRelation.OTHER,
};

const NAME_OF = new Map<MemberRelation, MemberRelationName>(
  MEMBER_RELATION_NAMES.map((name) => [MEMBER_RELATIONS[name], name]),
);

/** The relation's name; undefined for UNSPECIFIED (or a value this build does not know). */
export function memberRelationName(relation: MemberRelation): MemberRelationName | undefined {
  return NAME_OF.get(relation);
}

/** The relation named; UNSPECIFIED for a name that is not one. */
export function memberRelationOf(name: string): MemberRelation {
  return (MEMBER_RELATIONS as Record<string, MemberRelation>)[name] ?? MemberRelation.UNSPECIFIED;
}
