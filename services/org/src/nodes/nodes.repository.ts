import { Injectable } from '@nestjs/common';
import { queryRows } from '@linli/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { idsOfPath } from './node.js';

export interface NodeRecord {
  id: string;
  kind: string;
  name: string;
  officialName: string | null;
  code: string | null;
  parentId: string | null;
  path: string;
  depth: number;
  source: 'import' | 'operator';
  version: bigint;
  createdAt: Date;
  childCount: number;
  managingAuthorityId?: string | null;
}

export interface NewNode {
  id: string;
  kind: string;
  name: string;
  officialName: string | null;
  code: string | null;
  parentId: string | null;
  path: string;
  depth: number;
  source: 'import' | 'operator';
  createdBy: string | null;
}

/**
 * The strict descendants of a path form one contiguous range of the btree order on ltree: everything after the
 * path itself and before the path with a character appended to its last label ('g' is not a hex digit, and
 * every label is 32 hex digits, so no sibling falls inside). A range scan serves both the filter and ORDER BY.
 */
export function subtreeUpperBound(path: string): string {
  return `${path}g`;
}

/**
 * SQL for "`column` is the node at the path in parameter `param` or below it" (`column <@ param`) as a btree
 * range on path (same reasoning as subtreeUpperBound): the GiST index on ltree paths of 32-hex-digit labels
 * answered such filters in tens of milliseconds and cost seconds to build after a national load.
 */
export function inSubtree(column: string, param: string): string {
  return `(${column} >= ${param}::ltree AND ${column} < (${param}::text || 'g')::ltree)`;
}

const SELECT_NODE = `
  SELECT n.id, n.kind, n.name, n.official_name, n.code, n.parent_id, n.path::text AS path, n.depth, n.source,
         n.version, n.created_at,
         (SELECT count(*)::int FROM nodes c WHERE c.parent_id = n.id AND c.retired_at IS NULL) AS child_count,
         (SELECT ma.authority_node_id FROM managing_authorities ma WHERE ma.node_id = n.id AND ma.valid_to IS NULL)
           AS managing_authority_id
    FROM nodes n`;

interface NodeRow {
  id: string;
  kind: string;
  name: string;
  official_name: string | null;
  code: string | null;
  parent_id: string | null;
  path: string;
  depth: number;
  source: 'import' | 'operator';
  version: string;
  created_at: Date;
  child_count: number;
  managing_authority_id: string | null;
}

function toRecord(r: NodeRow): NodeRecord {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    officialName: r.official_name,
    code: r.code,
    parentId: r.parent_id,
    path: r.path,
    depth: r.depth,
    source: r.source,
    version: BigInt(r.version),
    createdAt: r.created_at,
    childCount: r.child_count,
    managingAuthorityId: r.managing_authority_id,
  };
}

/** The only place that speaks SQL about nodes. */
@Injectable()
export class NodesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findById(
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<NodeRecord | undefined> {
    const rows: NodeRow[] = await manager.query(`${SELECT_NODE} WHERE n.id = $1 AND n.retired_at IS NULL`, [
      id,
    ]);
    return rows[0] && toRecord(rows[0]);
  }

  async findByCode(code: string): Promise<NodeRecord | undefined> {
    const rows: NodeRow[] = await this.dataSource.query(
      `${SELECT_NODE} WHERE n.code = $1 AND n.retired_at IS NULL`,
      [code],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /** Keyset page of a node's children in id (creation) order. */
  async listChildren(parentId: string, afterId: string | undefined, limit: number): Promise<NodeRecord[]> {
    const rows: NodeRow[] = await this.dataSource.query(
      `${SELECT_NODE}
        WHERE n.parent_id = $1 AND n.retired_at IS NULL AND ($2::uuid IS NULL OR n.id > $2::uuid)
        ORDER BY n.id
        LIMIT $3`,
      [parentId, afterId ?? null, limit],
    );
    return rows.map(toRecord);
  }

  /** Ancestors of a path from the root down, excluding the node itself. */
  async ancestors(path: string, manager: EntityManager = this.dataSource.manager) {
    // The path names its ancestors' ids: primary-key lookups, no path search.
    const rows: Array<{ id: string; kind: string; name: string }> = await manager.query(
      `SELECT id, kind, name FROM nodes WHERE id = ANY($1::uuid[]) ORDER BY depth`,
      [idsOfPath(path).slice(0, -1)],
    );
    return rows;
  }

  async insert(manager: EntityManager, node: NewNode): Promise<void> {
    await manager.query(
      `INSERT INTO nodes (id, kind, name, official_name, code, parent_id, path, depth, source, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7::ltree, $8, $9, $10)`,
      [
        node.id,
        node.kind,
        node.name,
        node.officialName,
        node.code,
        node.parentId,
        node.path,
        node.depth,
        node.source,
        node.createdBy,
      ],
    );
  }

  /**
   * A page of the live subtree under a node (the root excluded), in tree order, keyed by path, together with
   * the root's path (to authorize) in one round trip. Undefined if the root does not exist or is retired.
   */
  async listSubtreeOf(
    rootId: string,
    kinds: string[],
    afterPath: string | undefined,
    limit: number,
  ): Promise<{ rootPath: string; nodes: NodeRecord[] } | undefined> {
    const rows: Array<NodeRow & { root_path: string }> = await this.dataSource.query(
      `WITH root AS (SELECT path FROM nodes WHERE id = $1 AND retired_at IS NULL)
       SELECT root.path::text AS root_path, page.*
         FROM root
         LEFT JOIN LATERAL (
           ${SELECT_NODE}
            WHERE n.path > coalesce($3::ltree, root.path) AND n.path < (root.path::text || 'g')::ltree
              AND n.retired_at IS NULL AND (cardinality($2::text[]) = 0 OR n.kind = ANY($2::text[]))
            ORDER BY n.path
            LIMIT $4
         ) page ON true`,
      [rootId, kinds, afterPath ?? null, limit],
    );
    if (rows.length === 0) return undefined;
    return { rootPath: rows[0].root_path, nodes: rows.filter((r) => r.id !== null).map(toRecord) };
  }

  /** Nodes whose name contains the text, within any of the given subtrees, best matches first. */
  async search(text: string, within: string[], kinds: string[], limit: number): Promise<NodeRecord[]> {
    if (within.length === 0) return [];
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows: NodeRow[] = await this.dataSource.query(
      `${SELECT_NODE}
        WHERE n.name LIKE $1 AND n.retired_at IS NULL
          AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS w(p) WHERE ${inSubtree('n.path', 'w.p')})
          AND (cardinality($3::text[]) = 0 OR n.kind = ANY($3::text[]))
        ORDER BY (n.name = $4) DESC, char_length(n.name), n.depth, n.name
        LIMIT $5`,
      [pattern, within, kinds, text, limit],
    );
    return rows.map(toRecord);
  }

  async countSubtree(rootPath: string): Promise<Array<{ kind: string; count: number }>> {
    return this.dataSource.query(
      `SELECT kind, count(*)::int AS count FROM nodes
        WHERE path > $1::ltree AND path < $2::ltree AND retired_at IS NULL
        GROUP BY kind ORDER BY min(depth)`,
      [rootPath, subtreeUpperBound(rootPath)],
    );
  }

  async liveChildCount(manager: EntityManager, id: string): Promise<number> {
    const [{ n }] = await manager.query(
      `SELECT count(*)::int AS n FROM nodes WHERE parent_id = $1 AND retired_at IS NULL`,
      [id],
    );
    return n;
  }

  /** Optimistic update guarded by the version the caller saw (0 = any); false if it changed meanwhile. */
  async rename(manager: EntityManager, id: string, name: string, expectedVersion: bigint): Promise<boolean> {
    const rows = await queryRows(
      manager,
      `UPDATE nodes SET name = $2, version = version + 1
        WHERE id = $1 AND retired_at IS NULL AND ($3::bigint = 0 OR version = $3::bigint) RETURNING id`,
      [id, name, expectedVersion.toString()],
    );
    return rows.length > 0;
  }

  async retire(manager: EntityManager, id: string, expectedVersion: bigint): Promise<boolean> {
    const rows = await queryRows(
      manager,
      `UPDATE nodes SET retired_at = now(), version = version + 1
        WHERE id = $1 AND retired_at IS NULL AND ($2::bigint = 0 OR version = $2::bigint) RETURNING id`,
      [id, expectedVersion.toString()],
    );
    return rows.length > 0;
  }

  /**
   * Re-parents a node and re-roots its whole subtree (paths and depths) in one statement; returns the ids
   * of every node whose path changed, or undefined if the node changed since the caller saw it.
   */
  async move(
    manager: EntityManager,
    node: { id: string; path: string },
    parent: { id: string; path: string },
    expectedVersion: bigint,
  ): Promise<string[] | undefined> {
    const locked = await queryRows(
      manager,
      `UPDATE nodes SET parent_id = $2, version = version + 1
        WHERE id = $1 AND retired_at IS NULL AND ($3::bigint = 0 OR version = $3::bigint) RETURNING id`,
      [node.id, parent.id, expectedVersion.toString()],
    );
    if (locked.length === 0) return undefined;
    const moved = await queryRows<{ id: string }>(
      manager,
      `UPDATE nodes
          SET path = $2::ltree || subpath(path, nlevel($1::ltree) - 1),
              depth = nlevel($2::ltree) + nlevel(path) - nlevel($1::ltree)
        WHERE ${inSubtree('path', '$1')}
        RETURNING id`,
      [node.path, parent.path],
    );
    return moved.map((m) => m.id);
  }

  /** Whether a live sibling of the same kind already has this name (operators' nodes must not duplicate any). */
  async siblingNameTaken(
    manager: EntityManager,
    parentId: string,
    kind: string,
    name: string,
    exceptId?: string,
  ) {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM nodes WHERE parent_id = $1 AND kind = $2 AND name = $3 AND retired_at IS NULL
          AND ($4::uuid IS NULL OR id <> $4::uuid)
        LIMIT 1`,
      [parentId, kind, name, exceptId ?? null],
    );
    return rows.length > 0;
  }

  /** Ends the current managing authority of a node and, unless `authorityId` is null, starts a new one. */
  async setManagingAuthority(
    manager: EntityManager,
    c: { nodeId: string; authorityId: string | null; reason: string | null; by: string | null },
  ): Promise<string | null> {
    const previous = await queryRows<{ authority_node_id: string }>(
      manager,
      `UPDATE managing_authorities SET valid_to = now() WHERE node_id = $1 AND valid_to IS NULL RETURNING authority_node_id`,
      [c.nodeId],
    );
    if (c.authorityId) {
      await manager.query(
        `INSERT INTO managing_authorities (node_id, authority_node_id, reason, changed_by) VALUES ($1, $2, $3, $4)`,
        [c.nodeId, c.authorityId, c.reason, c.by],
      );
    }
    await queryRows(manager, `UPDATE nodes SET version = version + 1 WHERE id = $1 RETURNING id`, [c.nodeId]);
    return previous[0]?.authority_node_id ?? null;
  }

  async findProcessedRequest(subject: string, requestId: string): Promise<string | undefined> {
    const rows: Array<{ result_id: string }> = await this.dataSource.query(
      `SELECT result_id FROM processed_requests WHERE subject = $1 AND request_id = $2`,
      [subject, requestId],
    );
    return rows[0]?.result_id;
  }

  async recordProcessedRequest(
    manager: EntityManager,
    entry: { subject: string; requestId: string; operation: string; resultId: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO processed_requests (subject, request_id, operation, result_id) VALUES ($1, $2, $3, $4)`,
      [entry.subject, entry.requestId, entry.operation, entry.resultId],
    );
  }
}

export type NodeChange = 'import' | 'register' | 'rename' | 'move' | 'retire' | 'managing_authority';

/** History and tree-wide queries of the division tree. */
@Injectable()
export class NodeHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Closes the open version of each node and, unless it was retired, opens a new one from its current row,
   * in the caller's transaction; then appends one audit entry per node. Both tables are append-only (database triggers).
   */
  async record(
    manager: EntityManager,
    nodeIds: string[],
    entry: {
      action: NodeChange;
      actor: string | null;
      reason: string | null;
      before?: unknown;
      after?: unknown;
    },
  ): Promise<void> {
    if (nodeIds.length === 0) return;
    await manager.query(
      `UPDATE node_versions SET valid_to = now() WHERE node_id = ANY($1::uuid[]) AND valid_to IS NULL`,
      [nodeIds],
    );
    await manager.query(
      `INSERT INTO node_versions (node_id, version, kind, name, code, parent_id, path, valid_from, valid_to)
       SELECT id, version, kind, name, code, parent_id, path, now(), NULL FROM nodes
        WHERE id = ANY($1::uuid[]) AND retired_at IS NULL`,
      [nodeIds],
    );
    await manager.query(
      `INSERT INTO node_audit_log (node_id, action, actor, reason, before, after)
       SELECT id, $2, $3, $4, $5::jsonb, $6::jsonb FROM unnest($1::uuid[]) AS t(id)`,
      [
        nodeIds,
        entry.action,
        entry.actor,
        entry.reason,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
      ],
    );
  }

  /** The subtree of `rootId` as it was at `at`, in tree order, from the version history. */
  async subtreeAt(
    rootId: string,
    at: Date,
    kinds: string[],
    afterPath: string | undefined,
    limit: number,
  ): Promise<
    Array<Omit<NodeRecord, 'childCount' | 'officialName' | 'source' | 'createdAt'> & { validFrom: Date }>
  > {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `WITH root AS (
         SELECT path FROM node_versions
          WHERE node_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2)
       )
       SELECT v.node_id AS id, v.kind, v.name, v.code, v.parent_id, v.path::text AS path, nlevel(v.path) - 1 AS depth,
              v.version, v.valid_from
         FROM node_versions v, root
        WHERE v.path > root.path AND v.path < (root.path::text || 'g')::ltree
          AND v.valid_from <= $2 AND (v.valid_to IS NULL OR v.valid_to > $2)
          AND (cardinality($3::text[]) = 0 OR v.kind = ANY($3::text[]))
          AND ($4::ltree IS NULL OR v.path > $4::ltree)
        ORDER BY v.path
        LIMIT $5`,
      [rootId, at, kinds, afterPath ?? null, limit],
    );
    return rows.map((r) => ({
      id: r.id as string,
      kind: r.kind as string,
      name: r.name as string,
      code: r.code as string | null,
      parentId: r.parent_id as string | null,
      path: r.path as string,
      depth: r.depth as number,
      version: BigInt(r.version as string),
      validFrom: r.valid_from as Date,
    }));
  }
}
