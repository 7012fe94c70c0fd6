import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import {
  ResidentsGroupSchema,
  type CreateResidentsGroupRequest,
  type Principal,
  type ResidentsGroup,
  type SetGroupRepresentativesRequest,
} from '@linli/contracts';
import { ErrorCode, RpcError } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, withTransaction } from '@linli/persistence';
import { DataSource } from 'typeorm';
import { GovernanceAccess, NotFound } from '../access/governance-access.js';
import { civilDate } from '../rules/calendar.js';

interface GroupRow {
  id: string;
  scope_node_id: string;
  name: string;
  node_ids: string[];
  representative_ids: string[];
  version: string;
}

const toGroup = (r: GroupRow): ResidentsGroup =>
  create(ResidentsGroupSchema, {
    id: r.id,
    scopeNodeId: r.scope_node_id,
    name: r.name,
    nodeIds: r.node_ids,
    representativeIds: r.representative_ids,
    version: BigInt(r.version),
  });

/**
 * Residents' groups (居民小组) of a community and their 2 or 3 representatives (RC-4), who form the electorate of
 * GROUP_REPS elections. A group covers compounds or buildings of its community, as governance knows them from
 * org's node events.
 */
@Injectable()
export class ResidentsGroupsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: GovernanceAccess,
  ) {}

  async create(req: CreateResidentsGroupRequest, principal: Principal | undefined): Promise<ResidentsGroup> {
    const v: Array<{ field: string; description: string }> = [];
    if (!isUuid(req.scopeNodeId)) v.push({ field: 'scope_node_id', description: 'must be a UUID' });
    const name = req.name.trim();
    if (name.length < 1 || name.length > 100)
      v.push({ field: 'name', description: 'must be 1 to 100 characters' });
    const nodes = [...new Set(req.nodeIds)];
    if (nodes.length < 1 || nodes.length > 200 || nodes.some((n) => !isUuid(n)))
      v.push({ field: 'node_ids', description: '1 to 200 compound or building ids' });
    if (v.length) throw RpcError.invalidArgument(v);
    await this.access.require(principal, 'governance.write', req.scopeNodeId, 'node');
    const known: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM org_unit_refs WHERE id = ANY($1::uuid[]) AND $2 = ANY(ancestor_ids)
          AND kind IN ('compound', 'building')`,
      [nodes, req.scopeNodeId],
    );
    if (known.length !== nodes.length) {
      throw new RpcError(
        ErrorCode.FAILED_PRECONDITION,
        'NODES_NOT_IN_SCOPE',
        "A residents' group covers compounds or buildings of its own community.",
        [{ field: 'node_ids', description: 'every id is a compound or building under the scope' }],
      );
    }
    const [scope] = (await this.dataSource.query(`SELECT ancestor_ids FROM org_unit_refs WHERE id = $1`, [
      req.scopeNodeId,
    ])) as Array<{ ancestor_ids: string[] }>;
    const id = newId();
    try {
      await this.dataSource.query(
        `INSERT INTO residents_groups (id, scope_node_id, scope_path, name, node_ids, created_by)
         VALUES ($1, $2, $3::uuid[], $4, $5::uuid[], $6)`,
        [
          id,
          req.scopeNodeId,
          [...(scope?.ancestor_ids ?? []), req.scopeNodeId],
          name,
          nodes,
          principal?.subject ?? null,
        ],
      );
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new RpcError(
          ErrorCode.ALREADY_EXISTS,
          'GROUP_EXISTS',
          'The community has a group of that name.',
        );
      }
      throw e;
    }
    return this.get(id);
  }

  private async get(id: string): Promise<ResidentsGroup> {
    const [row] = (await this.dataSource.query(`SELECT * FROM residents_groups WHERE id = $1`, [
      id,
    ])) as GroupRow[];
    return toGroup(row);
  }

  /** RC-4: 2 or 3 representatives per group, adult residents living in the group's area. */
  async setRepresentatives(
    req: SetGroupRepresentativesRequest,
    principal: Principal | undefined,
  ): Promise<ResidentsGroup> {
    if (!isUuid(req.groupId))
      throw RpcError.invalidArgument([{ field: 'group_id', description: 'must be a UUID' }]);
    const reps = [...new Set(req.representativeIds)];
    if (reps.length < 2 || reps.length > 3 || reps.some((r) => !isUuid(r))) {
      throw RpcError.invalidArgument(
        [{ field: 'representative_ids', description: 'RC-4: 2 or 3 different residents' }],
        'GROUP_REPRESENTATIVES_COUNT',
      );
    }
    const [found] = (await this.dataSource.query(`SELECT scope_node_id FROM residents_groups WHERE id = $1`, [
      req.groupId,
    ])) as Array<{ scope_node_id: string }>;
    if (!found || !(await this.access.may(principal, 'governance.write', found.scope_node_id))) {
      throw new NotFound('residents_group');
    }
    await withTransaction(this.dataSource, async (m) => {
      const [g] = (await m.query(`SELECT * FROM residents_groups WHERE id = $1 FOR UPDATE`, [
        req.groupId,
      ])) as GroupRow[];
      const living: Array<{ resident_id: string }> = await m.query(
        `SELECT r.resident_id FROM org_residents r JOIN org_households h USING (household_id)
          WHERE r.resident_id = ANY($1::uuid[]) AND r.left_at IS NULL AND r.joined_at IS NOT NULL
            AND r.adult_on <= $2 AND h.node_path && $3::uuid[]`,
        [reps, civilDate(new Date()), g.node_ids],
      );
      if (living.length !== reps.length) {
        throw new RpcError(
          ErrorCode.FAILED_PRECONDITION,
          'NOT_A_GROUP_RESIDENT',
          "Representatives are adult residents of the group's area (RC-3, RC-4).",
          [{ field: 'representative_ids', description: 'every id is an adult living in the group' }],
        );
      }
      await m.query(
        `UPDATE residents_groups SET representative_ids = $2::uuid[], version = version + 1 WHERE id = $1`,
        [g.id, reps],
      );
    });
    return this.get(req.groupId);
  }

  async list(nodeId: string, principal: Principal | undefined): Promise<ResidentsGroup[]> {
    if (!isUuid(nodeId))
      throw RpcError.invalidArgument([{ field: 'node_id', description: 'must be a UUID' }]);
    await this.access.require(principal, 'governance.read', nodeId, 'node');
    const rows: GroupRow[] = await this.dataSource.query(
      `SELECT * FROM residents_groups WHERE scope_path @> ARRAY[$1]::uuid[] ORDER BY name LIMIT 500`,
      [nodeId],
    );
    return rows.map(toGroup);
  }
}
