import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A unit of org's division tree as governance knows it, from org's events (never from org's database). */
@Entity('org_unit_refs')
export class OrgUnitRefEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  kind: string;

  @Column('text')
  name: string;

  @Column('char', { length: 12, nullable: true })
  code: string | null;

  @Column('uuid', { nullable: true })
  parentId: string | null;

  @Column('uuid', { array: true })
  ancestorIds: string[];

  @Column('text', { array: true })
  ancestorNames: string[];

  @Column('bigint')
  version: string;

  @Column('timestamptz')
  knownSince: Date;

  @Column('timestamptz')
  updatedAt: Date;
}
