import { Column, Entity, PrimaryColumn } from 'typeorm';

export type { ScopedRoleName as ScopedRole } from './access-policy.js';
import type { ScopedRoleName as ScopedRole } from './access-policy.js';

/** A role held at a node; it covers the node's whole subtree. */
@Entity('role_assignments')
export class RoleAssignmentEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  subject: string;

  @Column('text')
  role: ScopedRole;

  @Column('uuid')
  nodeId: string;

  @Column('timestamptz')
  grantedAt: Date;

  @Column('text', { nullable: true })
  grantedBy: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
