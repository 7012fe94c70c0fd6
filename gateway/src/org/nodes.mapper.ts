import { timestampDate } from '@bufbuild/protobuf/wkt';
import { NodeKind, type Node } from '@linli/contracts';
import { NODE_KINDS, type NodeDto, type NodeKindName } from './nodes.dto.js';

const KIND_BY_NAME: Record<NodeKindName, NodeKind> = {
  province: NodeKind.PROVINCE,
  city: NodeKind.CITY,
  district: NodeKind.DISTRICT,
  zone: NodeKind.ZONE,
  street: NodeKind.STREET,
  town: NodeKind.TOWN,
  township: NodeKind.TOWNSHIP,
  community: NodeKind.COMMUNITY,
  village: NodeKind.VILLAGE,
  compound: NodeKind.COMPOUND,
  building: NodeKind.BUILDING,
};

export function kindFromName(name: NodeKindName): NodeKind {
  return KIND_BY_NAME[name];
}

export function kindToName(kind: NodeKind): NodeKindName | 'unspecified' {
  return NODE_KINDS.find((k) => KIND_BY_NAME[k] === kind) ?? 'unspecified';
}

export function toNodeDto(n: Node): NodeDto {
  return {
    id: n.id,
    kind: kindToName(n.kind) as NodeKindName,
    name: n.name,
    code: n.code || null,
    parentId: n.parentId || null,
    depth: n.depth,
    childCount: n.childCount,
    createdAt: n.createdAt ? timestampDate(n.createdAt).toISOString() : new Date(0).toISOString(),
    version: Number(n.version),
    managingAuthorityId: n.managingAuthorityId || null,
  };
}
