import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A unit of the division tree. `path` is the ltree of ancestor ids, so a subtree is one indexed query. */
@Entity('nodes')
export class NodeEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  kind: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  officialName: string | null;

  @Column('char', { length: 12, nullable: true })
  code: string | null;

  @Column('uuid', { nullable: true })
  parentId: string | null;

  @Column('ltree')
  path: string;

  @Column('int')
  depth: number;

  @Column('text')
  source: 'import' | 'operator';

  @Column('bigint', { default: 1 })
  version: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column('text', { nullable: true })
  createdBy: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}
