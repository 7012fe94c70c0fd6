import { NodeKind } from '@linli/contracts';

/** The rules of the division tree: no Nest, no TypeORM, no NATS. */

/** Which kinds of node may sit directly under which. */
const CHILD_KINDS: Record<NodeKind, NodeKind[]> = {
  [NodeKind.UNSPECIFIED]: [],
  [NodeKind.PROVINCE]: [NodeKind.CITY],
  [NodeKind.CITY]: [NodeKind.DISTRICT, NodeKind.ZONE],
  [NodeKind.ZONE]: [],
  [NodeKind.DISTRICT]: [NodeKind.STREET, NodeKind.TOWN, NodeKind.TOWNSHIP],
  [NodeKind.STREET]: [NodeKind.COMMUNITY, NodeKind.VILLAGE],
  [NodeKind.TOWN]: [NodeKind.COMMUNITY, NodeKind.VILLAGE],
  [NodeKind.TOWNSHIP]: [NodeKind.COMMUNITY, NodeKind.VILLAGE],
  [NodeKind.COMMUNITY]: [NodeKind.COMPOUND],
  [NodeKind.VILLAGE]: [NodeKind.COMPOUND],
  [NodeKind.COMPOUND]: [NodeKind.BUILDING],
  [NodeKind.BUILDING]: [],
};

export function mayContain(parent: NodeKind, child: NodeKind): boolean {
  return CHILD_KINDS[parent]?.includes(child) ?? false;
}

/** Names used in the REST API and the database (`community`, `street`, …). */
export const KIND_NAMES: Record<Exclude<NodeKind, NodeKind.UNSPECIFIED>, string> = {
  [NodeKind.PROVINCE]: 'province',
  [NodeKind.CITY]: 'city',
  [NodeKind.DISTRICT]: 'district',
  [NodeKind.ZONE]: 'zone',
  [NodeKind.STREET]: 'street',
  [NodeKind.TOWN]: 'town',
  [NodeKind.TOWNSHIP]: 'township',
  [NodeKind.COMMUNITY]: 'community',
  [NodeKind.VILLAGE]: 'village',
  [NodeKind.COMPOUND]: 'compound',
  [NodeKind.BUILDING]: 'building',
};

export function kindName(kind: NodeKind): string {
  return KIND_NAMES[kind as Exclude<NodeKind, NodeKind.UNSPECIFIED>] ?? 'unspecified';
}

const KINDS_BY_NAME = new Map(Object.entries(KIND_NAMES).map(([k, v]) => [v, Number(k) as NodeKind]));

export function kindFromName(name: string): NodeKind | undefined {
  return KINDS_BY_NAME.get(name);
}

/** AD-1: a statistical division code is exactly twelve digits. */
export const CODE_PATTERN = /^\d{12}$/;

/** AD-1: the kind of a township-level unit from code[6]: 0 street, 1 town, 2–5 township or similar. */
export function townshipKind(code: string): NodeKind {
  const t = code[6];
  if (t === '0') return NodeKind.STREET;
  if (t === '1') return NodeKind.TOWN;
  return NodeKind.TOWNSHIP;
}

/** Village-level units: sequence 001–199 are urban communities (居委会), 200 and above villages (村委会). */
export function villageKind(code: string): NodeKind {
  return Number(code.slice(9, 12)) < 200 ? NodeKind.COMMUNITY : NodeKind.VILLAGE;
}

/** How many leading digits of a code a node of this kind determines (AD-1 prefixes). */
export function codePrefixLength(kind: NodeKind): number {
  switch (kind) {
    case NodeKind.PROVINCE:
      return 2;
    case NodeKind.CITY:
      return 4;
    case NodeKind.DISTRICT:
      return 6;
    case NodeKind.STREET:
    case NodeKind.TOWN:
    case NodeKind.TOWNSHIP:
      return 9;
    default:
      return 12;
  }
}

/**
 * AD-2: a node's code must continue its parent's: a community's code[0:9] is its township's code[0:9].
 * Nodes below the village level carry no statistical code.
 */
export function codeFitsParent(code: string, parentCode: string | null, parentKind: NodeKind): boolean {
  if (!parentCode) return false;
  const n = codePrefixLength(parentKind);
  return n < 12 && code.slice(0, n) === parentCode.slice(0, n);
}

/** "下涧槽社区居委会" → "下涧槽社区", "杉柏村村委会" → "杉柏村": the unit, not its committee. */
export function unitName(officialName: string): string {
  return officialName.replace(/(居民委员会|村民委员会|居委会|村委会)$/, '') || officialName;
}

export interface NameViolation {
  field: string;
  description: string;
}

/** A node name: 1–64 characters after trimming, no control characters. */
export function validateName(name: string): NameViolation | undefined {
  const trimmed = name.trim();
  if (trimmed.length === 0) return { field: 'name', description: 'must not be empty' };
  if ([...trimmed].length > 64) return { field: 'name', description: 'must be at most 64 characters' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed))
    return { field: 'name', description: 'must not contain control characters' };
  return undefined;
}

/** ltree label for a node id (labels cannot hold hyphens on PostgreSQL 15). */
export function pathLabel(id: string): string {
  return id.replace(/-/g, '');
}

/** The node ids on a materialised path, root first (the inverse of pathLabel, no query needed). */
export function idsOfPath(path: string): string[] {
  return path
    .split('.')
    .map((l) => `${l.slice(0, 8)}-${l.slice(8, 12)}-${l.slice(12, 16)}-${l.slice(16, 20)}-${l.slice(20)}`);
}
