import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface OrgUnitRef {
  id: string;
  kind: string;
  name: string;
  code: string | null;
  parentId: string | null;
  ancestorIds: string[];
  ancestorNames: string[];
  version: bigint;
  knownSince: Date;
}

@Injectable()
export class OrgUnitsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts or updates a unit; an event older than what is stored (by aggregate version) changes nothing. */
  async upsert(manager: EntityManager, unit: Omit<OrgUnitRef, 'knownSince'>): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO org_unit_refs (id, kind, name, code, parent_id, ancestor_ids, ancestor_names, version)
       VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7::text[], $8)
       ON CONFLICT (id) DO UPDATE
         SET kind = EXCLUDED.kind, name = EXCLUDED.name, code = EXCLUDED.code, parent_id = EXCLUDED.parent_id,
             ancestor_ids = EXCLUDED.ancestor_ids, ancestor_names = EXCLUDED.ancestor_names,
             version = EXCLUDED.version, updated_at = now()
         WHERE org_unit_refs.version < EXCLUDED.version
       RETURNING id`,
      [
        unit.id,
        unit.kind,
        unit.name,
        unit.code,
        unit.parentId,
        unit.ancestorIds,
        unit.ancestorNames,
        unit.version.toString(),
      ],
    );
    return rows.length > 0;
  }

  async findById(id: string): Promise<OrgUnitRef | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, kind, name, code, parent_id, ancestor_ids, ancestor_names, version, known_since
         FROM org_unit_refs WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id as string,
      kind: r.kind as string,
      name: r.name as string,
      code: r.code as string | null,
      parentId: r.parent_id as string | null,
      ancestorIds: r.ancestor_ids as string[],
      ancestorNames: r.ancestor_names as string[],
      version: BigInt(r.version as string),
      knownSince: r.known_since as Date,
    };
  }
}
