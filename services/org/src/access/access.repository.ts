import { Injectable } from '@nestjs/common';
import { queryRows } from '@linli/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { inSubtree } from '../nodes/nodes.repository.js';
import type { Scope, ScopedRoleName } from './access-policy.js';

export interface AssignmentRecord {
  id: string;
  subject: string;
  role: ScopedRoleName;
  nodeId: string;
  nodeName: string;
  nodePath: string;
  grantedAt: Date;
  grantedBy: string | null;
  revokedAt: Date | null;
}

interface AssignmentRow {
  id: string;
  subject: string;
  role: ScopedRoleName;
  node_id: string;
  node_name: string;
  node_path: string;
  granted_at: Date;
  granted_by: string | null;
  revoked_at: Date | null;
}

const toRecord = (r: AssignmentRow): AssignmentRecord => ({
  id: r.id,
  subject: r.subject,
  role: r.role,
  nodeId: r.node_id,
  nodeName: r.node_name,
  nodePath: r.node_path,
  grantedAt: r.granted_at,
  grantedBy: r.granted_by,
  revokedAt: r.revoked_at,
});

const SELECT = `
  SELECT ra.id, ra.subject, ra.role, ra.node_id, n.name AS node_name, n.path::text AS node_path,
         ra.granted_at, ra.granted_by, ra.revoked_at
    FROM role_assignments ra JOIN nodes n ON n.id = ra.node_id`;

@Injectable()
export class AccessRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The subject's live assignments with the current path of each node (paths follow moves), plus the
   * subtrees their nodes administer as managing authority (a zone's operators act in the streets it runs).
   */
  async scopesOf(subject: string): Promise<Scope[]> {
    const rows: Array<{ role: ScopedRoleName; path: string }> = await this.dataSource.query(
      `SELECT ra.role, n.path::text AS path
         FROM role_assignments ra JOIN nodes n ON n.id = ra.node_id
        WHERE ra.subject = $1 AND ra.revoked_at IS NULL AND n.retired_at IS NULL
       UNION ALL
       SELECT ra.role, managed.path::text
         FROM managing_authorities ma
         JOIN nodes authority ON authority.id = ma.authority_node_id
         JOIN nodes managed ON managed.id = ma.node_id
         JOIN role_assignments ra ON ra.subject = $1 AND ra.revoked_at IS NULL
         JOIN nodes held ON held.id = ra.node_id AND authority.path <@ held.path
        WHERE ma.valid_to IS NULL AND held.retired_at IS NULL AND managed.retired_at IS NULL`,
      [subject],
    );
    return rows;
  }

  async findAssignment(id: string): Promise<AssignmentRecord | undefined> {
    const rows: AssignmentRow[] = await this.dataSource.query(`${SELECT} WHERE ra.id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async insertAssignment(
    manager: EntityManager,
    a: {
      id: string;
      subject: string;
      role: ScopedRoleName;
      nodeId: string;
      grantedBy: string;
      reason: string;
    },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO role_assignments (id, subject, role, node_id, granted_at, granted_by, reason)
       VALUES ($1, $2, $3, $4, now(), $5, $6)`,
      [a.id, a.subject, a.role, a.nodeId, a.grantedBy, a.reason || null],
    );
  }

  /** Marks a live assignment revoked; false when it was revoked already (by someone else, concurrently). */
  async revoke(manager: EntityManager, id: string, by: string): Promise<boolean> {
    const rows = await queryRows(
      manager,
      `UPDATE role_assignments SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [id, by],
    );
    return rows.length > 0;
  }

  /** Live assignments held at the node with this path or below it, in id order. */
  async listUnder(path: string, afterId: string | undefined, limit: number): Promise<AssignmentRecord[]> {
    const rows: AssignmentRow[] = await this.dataSource.query(
      `${SELECT}
        WHERE ${inSubtree('n.path', '$1')} AND ra.revoked_at IS NULL AND ($2::uuid IS NULL OR ra.id > $2::uuid)
        ORDER BY ra.id LIMIT $3`,
      [path, afterId ?? null, limit],
    );
    return rows.map(toRecord);
  }
}
