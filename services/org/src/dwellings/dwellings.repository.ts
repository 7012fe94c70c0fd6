import { Injectable } from '@nestjs/common';
import { queryRows } from '@linli/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { inSubtree } from '../nodes/nodes.repository.js';

export interface DwellingRecord {
  id: string;
  nodeId: string;
  nodePath: string;
  label: string;
  areaCentiM2: bigint;
  areaSource: string;
  developerHeld: boolean;
  ownerIds: string[];
}

const SELECT = `
  SELECT d.id, d.node_id, n.path::text AS node_path, d.label, d.area_centi_m2, d.area_source, d.developer_held,
         coalesce(array_agg(o.owner_resident_id::text ORDER BY o.owner_resident_id) FILTER (WHERE o.owner_resident_id IS NOT NULL), '{}') AS owner_ids
    FROM dwellings d
    JOIN nodes n ON n.id = d.node_id
    LEFT JOIN ownerships o ON o.dwelling_id = d.id AND o.valid_to IS NULL`;

type Row = {
  id: string;
  node_id: string;
  node_path: string;
  label: string;
  area_centi_m2: string;
  area_source: string;
  developer_held: boolean;
  owner_ids: string[];
};
const toRecord = (r: Row): DwellingRecord => ({
  id: r.id,
  nodeId: r.node_id,
  nodePath: r.node_path,
  label: r.label,
  areaCentiM2: BigInt(r.area_centi_m2),
  areaSource: r.area_source,
  developerHeld: r.developer_held,
  ownerIds: r.owner_ids,
});

@Injectable()
export class DwellingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<DwellingRecord | undefined> {
    const rows: Row[] = await manager.query(`${SELECT} WHERE d.id = $1 GROUP BY d.id, n.path`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  /** Every dwelling at the node or below it with its current owners (the owners' roll input). */
  async under(path: string): Promise<DwellingRecord[]> {
    const rows: Row[] = await this.dataSource.query(
      `${SELECT} WHERE ${inSubtree('n.path', '$1')} GROUP BY d.id, n.path`,
      [path],
    );
    return rows.map(toRecord);
  }

  async insert(
    manager: EntityManager,
    d: {
      id: string;
      nodeId: string;
      label: string;
      areaCentiM2: bigint;
      areaSource: string;
      developerHeld: boolean;
      by: string | null;
    },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO dwellings (id, node_id, label, area_centi_m2, area_source, developer_held, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [d.id, d.nodeId, d.label, d.areaCentiM2.toString(), d.areaSource, d.developerHeld, d.by],
    );
  }

  /** Replaces the current owners from now on (history kept); the dwelling is developer-held iff nobody owns it. */
  async setOwners(
    manager: EntityManager,
    dwellingId: string,
    ownerIds: string[],
    by: string | null,
  ): Promise<void> {
    await manager.query(`SELECT id FROM dwellings WHERE id = $1 FOR UPDATE`, [dwellingId]);
    await queryRows(
      manager,
      `UPDATE ownerships SET valid_to = now() WHERE dwelling_id = $1 AND valid_to IS NULL AND NOT (owner_resident_id = ANY($2::uuid[]))
       RETURNING dwelling_id`,
      [dwellingId, ownerIds],
    );
    await manager.query(
      `INSERT INTO ownerships (dwelling_id, owner_resident_id, changed_by)
       SELECT $1, o, $3 FROM unnest($2::uuid[]) AS o
        WHERE NOT EXISTS (SELECT 1 FROM ownerships x WHERE x.dwelling_id = $1 AND x.owner_resident_id = o AND x.valid_to IS NULL)`,
      [dwellingId, ownerIds, by],
    );
    await queryRows(manager, `UPDATE dwellings SET developer_held = $2 WHERE id = $1 RETURNING id`, [
      dwellingId,
      ownerIds.length === 0,
    ]);
  }

  /** Residents (by id) that exist, with the path where each is registered. */
  async residentPaths(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; path: string }> = await this.dataSource.query(
      `SELECT m.resident_id AS id, n.path::text AS path FROM household_members m
         JOIN households h ON h.id = m.household_id JOIN nodes n ON n.id = h.node_id
        WHERE m.resident_id = ANY($1::uuid[]) AND m.left_at IS NULL`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.path]));
  }
}
