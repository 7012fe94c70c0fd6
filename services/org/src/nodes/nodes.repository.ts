import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

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

const SELECT_NODE = `
  SELECT n.id, n.kind, n.name, n.official_name, n.code, n.parent_id, n.path::text AS path, n.depth, n.source,
         n.version, n.created_at,
         (SELECT count(*)::int FROM nodes c WHERE c.parent_id = n.id AND c.retired_at IS NULL) AS child_count
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
    const rows: Array<{ id: string; kind: string; name: string }> = await manager.query(
      `SELECT id, kind, name FROM nodes WHERE path @> $1::ltree AND path <> $1::ltree ORDER BY depth`,
      [path],
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
