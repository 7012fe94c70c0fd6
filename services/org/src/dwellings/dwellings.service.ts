import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import {
  AreaSource,
  DwellingOwnersChangedSchema,
  DwellingSchema,
  ErrorCode,
  OwnersRollSchema,
  type Dwelling,
  type OwnersRoll,
  type Principal,
  type RegisterDwellingRequest,
  type SetOwnersRequest,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, withTransaction } from '@linli/persistence';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { idsOfPath } from '../nodes/node.js';
import { NodesRepository } from '../nodes/nodes.repository.js';
import { DwellingsRepository, type DwellingRecord } from './dwellings.repository.js';
import { ownersRoll } from './owners-roll.js';

const SOURCES: Partial<Record<AreaSource, string>> = {
  [AreaSource.REGISTER]: 'register',
  [AreaSource.SURVEY]: 'survey',
  [AreaSource.CONTRACT]: 'contract',
};
const sourceFromName = (n: string) =>
  Number(Object.entries(SOURCES).find(([, v]) => v === n)?.[0] ?? AreaSource.UNSPECIFIED) as AreaSource;

const notFound = (what: string) =>
  new RpcError(ErrorCode.NOT_FOUND, `${what.toUpperCase()}_NOT_FOUND`, `No such ${what}.`);

function toDwelling(d: DwellingRecord): Dwelling {
  return create(DwellingSchema, {
    id: d.id,
    nodeId: d.nodeId,
    label: d.label,
    areaCentiM2: d.areaCentiM2,
    areaSource: sourceFromName(d.areaSource),
    developerHeld: d.developerHeld,
    ownerResidentIds: d.ownerIds,
  });
}

/** Dwellings, floor areas and owners; the owners' roll (OW-1) that owners' votes are counted against. */
@Injectable()
export class DwellingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly dwellings: DwellingsRepository,
    private readonly nodes: NodesRepository,
    private readonly access: AccessService,
    private readonly relay: OutboxRelay,
  ) {}

  async register(req: RegisterDwellingRequest, principal: Principal | undefined): Promise<Dwelling> {
    const label = req.label.trim();
    const source = SOURCES[req.areaSource];
    const violations = [];
    if (!isUuid(req.nodeId)) violations.push({ field: 'node_id', description: 'must be a UUID' });
    if (label.length < 1 || label.length > 64)
      violations.push({ field: 'label', description: 'must be 1 to 64 characters' });
    if (req.areaCentiM2 <= 0n || req.areaCentiM2 >= 10_000_000n) {
      violations.push({
        field: 'area_centi_m2',
        description: 'must be between 0.01 and 99,999.99 m² (in hundredths)',
      });
    }
    if (!source)
      violations.push({ field: 'area_source', description: 'must be register, survey or contract' });
    if (violations.length) throw RpcError.invalidArgument(violations);
    const node = await this.nodes.findById(req.nodeId);
    if (!node || !(await this.access.may(principal, 'org.household.write', node.path)))
      throw notFound('node');
    if (node.kind !== 'compound' && node.kind !== 'building') {
      throw new RpcError(
        ErrorCode.FAILED_PRECONDITION,
        'DWELLING_NODE_KIND',
        'Dwellings belong to a compound or a building.',
      );
    }
    const id = newId();
    try {
      await withTransaction(this.dataSource, async (manager) => {
        await this.dwellings.insert(manager, {
          id,
          nodeId: node.id,
          label,
          areaCentiM2: req.areaCentiM2,
          areaSource: source!,
          developerHeld: true,
          by: principal?.subject ?? null,
        });
        // Developer-held until owners are set: the owners' roll (OW-1) counts its area from now on.
        await appendToOutbox(
          manager,
          DwellingOwnersChangedSchema,
          create(DwellingOwnersChangedSchema, {
            dwellingId: id,
            nodeId: node.id,
            areaCentiM2: req.areaCentiM2,
            developerHeld: true,
            ownerResidentIds: [],
            occurredAt: timestampNow(),
            nodePath: idsOfPath(node.path),
          }),
          { actorSubject: principal?.subject },
        );
      });
      this.relay.kick();
    } catch (e) {
      if (isUniqueViolation(e))
        throw new RpcError(
          ErrorCode.ALREADY_EXISTS,
          'DWELLING_EXISTS',
          'This dwelling is already registered.',
        );
      throw e;
    }
    return toDwelling((await this.dwellings.find(id))!);
  }

  async setOwners(req: SetOwnersRequest, principal: Principal | undefined): Promise<Dwelling> {
    if (!isUuid(req.dwellingId))
      throw RpcError.invalidArgument([{ field: 'dwelling_id', description: 'must be a UUID' }]);
    const owners = [...new Set(req.ownerResidentIds)];
    if (owners.some((o) => !isUuid(o)) || owners.length > 20) {
      throw RpcError.invalidArgument([
        { field: 'owner_resident_ids', description: 'must be up to 20 resident ids' },
      ]);
    }
    const dwelling = await this.dwellings.find(req.dwellingId);
    if (!dwelling || !(await this.access.may(principal, 'org.household.write', dwelling.nodePath)))
      throw notFound('dwelling');
    const paths = await this.dwellings.residentPaths(owners);
    for (const o of owners) {
      const path = paths.get(o);
      if (!path || !(await this.access.may(principal, 'org.household.read', path)))
        throw notFound('resident');
    }
    await withTransaction(this.dataSource, async (manager) => {
      await this.dwellings.setOwners(manager, dwelling.id, owners, principal?.subject ?? null);
      await appendToOutbox(
        manager,
        DwellingOwnersChangedSchema,
        create(DwellingOwnersChangedSchema, {
          dwellingId: dwelling.id,
          nodeId: dwelling.nodeId,
          areaCentiM2: dwelling.areaCentiM2,
          developerHeld: owners.length === 0,
          ownerResidentIds: owners,
          occurredAt: timestampNow(),
          nodePath: idsOfPath(dwelling.nodePath),
        }),
        { actorSubject: principal?.subject },
      );
    });
    this.relay.kick();
    return toDwelling((await this.dwellings.find(dwelling.id))!);
  }

  async roll(nodeId: string, principal: Principal | undefined): Promise<OwnersRoll> {
    if (!isUuid(nodeId))
      throw RpcError.invalidArgument([{ field: 'node_id', description: 'must be a UUID' }]);
    const node = await this.nodes.findById(nodeId);
    if (!node || !(await this.access.may(principal, 'org.household.read', node.path))) throw notFound('node');
    const totals = ownersRoll(
      (await this.dwellings.under(node.path)).map((d) => ({
        dwellingId: d.id,
        areaCentiM2: d.areaCentiM2,
        developerHeld: d.developerHeld,
        ownerIds: d.ownerIds,
      })),
    );
    return create(OwnersRollSchema, {
      nodeId: node.id,
      headcount: BigInt(totals.headcount),
      areaCentiM2: totals.areaCentiM2,
      dwellingCount: BigInt(totals.dwellingCount),
      developerHeldCount: BigInt(totals.developerHeldCount),
    });
  }
}
