import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { NodeRefSchema, NodeSchema, type Node, type NodeRef } from '@linli/contracts';
import { kindFromName } from './node.js';
import type { NodeRecord } from './nodes.repository.js';

export function toNode(r: NodeRecord): Node {
  return create(NodeSchema, {
    id: r.id,
    kind: kindFromName(r.kind),
    name: r.name,
    code: r.code ?? '',
    parentId: r.parentId ?? '',
    depth: r.depth,
    childCount: r.childCount,
    createdAt: timestampFromDate(r.createdAt),
    version: r.version,
    managingAuthorityId: r.managingAuthorityId ?? '',
  });
}

export function toNodeRef(r: { id: string; kind: string; name: string }): NodeRef {
  return create(NodeRefSchema, { id: r.id, kind: kindFromName(r.kind), name: r.name });
}

/** Opaque keyset cursor: the last id of the page. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof parsed.after === 'string' ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}
