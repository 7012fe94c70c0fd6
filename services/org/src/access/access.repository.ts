import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ScopedRole } from './role-assignment.entity.js';

@Injectable()
export class AccessRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Whether the subject holds one of the roles at the node with this path or at any of its ancestors
   * (a grant at a node covers its subtree). One indexed ltree query.
   */
  async holdsRoleOver(subject: string, path: string, roles: readonly ScopedRole[]): Promise<boolean> {
    const rows = await this.dataSource.query(
      `SELECT 1
         FROM role_assignments ra
         JOIN nodes n ON n.id = ra.node_id
        WHERE ra.subject = $1 AND ra.revoked_at IS NULL AND ra.role = ANY($3) AND n.path @> $2::ltree
        LIMIT 1`,
      [subject, path, roles],
    );
    return rows.length > 0;
  }
}
