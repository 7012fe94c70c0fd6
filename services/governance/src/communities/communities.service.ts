import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  CommunitySummarySchema,
  NodeKind,
  type CommunitySummary,
  type NodeRegistered,
  type Principal,
} from '@linli/contracts';
import { ErrorCode, RpcError } from '@linli/messaging';
import { isUuid } from '@linli/persistence';
import type { EntityManager } from 'typeorm';
import { GovernanceAccess } from '../access/governance-access.js';
import { OrgUnitsRepository } from './org-units.repository.js';

const KIND_NAMES: Partial<Record<NodeKind, string>> = {
  [NodeKind.PROVINCE]: 'province',
  [NodeKind.CITY]: 'city',
  [NodeKind.DISTRICT]: 'district',
  [NodeKind.STREET]: 'street',
  [NodeKind.TOWN]: 'town',
  [NodeKind.TOWNSHIP]: 'township',
  [NodeKind.COMMUNITY]: 'community',
  [NodeKind.VILLAGE]: 'village',
  [NodeKind.COMPOUND]: 'compound',
  [NodeKind.BUILDING]: 'building',
};

export class CommunitiesError extends RpcError {
  static notFound(): CommunitiesError {
    return new CommunitiesError(ErrorCode.NOT_FOUND, 'COMMUNITY_NOT_FOUND', 'No such community.');
  }
}

@Injectable()
export class CommunitiesService {
  constructor(
    private readonly units: OrgUnitsRepository,
    private readonly access: GovernanceAccess,
  ) {}

  /** Projection of evt.org.v1.node_registered; idempotent through the inbox and the aggregate version. */
  async onNodeRegistered(event: NodeRegistered, manager: EntityManager): Promise<void> {
    await this.units.upsert(manager, {
      id: event.nodeId,
      kind: KIND_NAMES[event.kind] ?? 'unspecified',
      name: event.name,
      code: event.code || null,
      parentId: event.parentId || null,
      ancestorIds: event.ancestors.map((a) => a.id),
      ancestorNames: event.ancestors.map((a) => a.name),
      version: event.aggregateVersion,
    });
  }

  /** Outside the caller's subtree the community does not exist (404, as everywhere). */
  async summary(communityId: string, principal: Principal | undefined): Promise<CommunitySummary> {
    if (!isUuid(communityId)) {
      throw RpcError.invalidArgument([{ field: 'community_id', description: 'must be a UUID' }]);
    }
    if (!(await this.access.may(principal, 'governance.read', communityId)))
      throw CommunitiesError.notFound();
    const unit = await this.units.findById(communityId);
    if (!unit || (unit.kind !== 'community' && unit.kind !== 'village')) throw CommunitiesError.notFound();
    return create(CommunitySummarySchema, {
      communityId: unit.id,
      name: unit.name,
      code: unit.code ?? '',
      kind: unit.kind,
      // From the city down: the province is context every caller already has.
      ancestorNames: unit.ancestorNames.slice(1),
      parentId: unit.parentId ?? '',
      knownSince: timestampFromDate(unit.knownSince),
      sourceVersion: unit.version,
    });
  }
}
