import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate, timestampNow } from '@bufbuild/protobuf/wkt';
import {
  ErrorCode,
  MembershipEndedSchema,
  MembershipSchema,
  MembershipStartedSchema,
  OrganisationRegisteredSchema,
  OrganisationSchema,
  type AddMembershipRequest,
  type ListOrganisationsRequest,
  type Membership,
  type Organisation,
  type Principal,
  type RegisterOrganisationRequest,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, sqlState, withTransaction } from '@linli/persistence';
import { maskName } from '@linli/privacy';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { NodesRepository } from '../nodes/nodes.repository.js';
import { isDate, mayHost, typeFromName, typeName, validCreditCode } from './organisation.js';
import {
  OrganisationsRepository,
  type MembershipRecord,
  type OrganisationRecord,
} from './organisations.repository.js';

const notFound = (what: string) =>
  new RpcError(ErrorCode.NOT_FOUND, `${what.toUpperCase()}_NOT_FOUND`, `No such ${what}.`);

/** Organisations on nodes (party organisations, committees, owners' bodies, companies …) and members' terms. */
@Injectable()
export class OrganisationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly organisations: OrganisationsRepository,
    private readonly nodes: NodesRepository,
    private readonly access: AccessService,
    private readonly relay: OutboxRelay,
  ) {}

  private toMembership(m: MembershipRecord, fullNames: boolean): Membership {
    return create(MembershipSchema, {
      id: m.id,
      organisationId: m.organisationId,
      residentId: m.residentId,
      residentName: fullNames ? m.residentName : maskName(m.residentName),
      position: m.position,
      termStart: m.termStart,
      termEnd: m.termEnd ?? '',
      endedAt: m.endedAt ? timestampFromDate(m.endedAt) : undefined,
    });
  }

  private async toOrganisation(
    o: OrganisationRecord,
    principal: Principal | undefined,
    members?: MembershipRecord[],
  ) {
    const fullNames = await this.access.may(principal, 'org.organisation.write', o.nodePath);
    const list = members ?? (await this.organisations.currentMembers([o.id]));
    return create(OrganisationSchema, {
      id: o.id,
      nodeId: o.nodeId,
      type: typeFromName(o.type),
      name: o.name,
      creditCode: o.creditCode ?? '',
      version: o.version,
      members: list.map((m) => this.toMembership(m, fullNames)),
    });
  }

  async register(req: RegisterOrganisationRequest, principal: Principal | undefined): Promise<Organisation> {
    const type = typeName(req.type);
    const name = req.name.trim();
    const violations = [];
    if (!isUuid(req.nodeId)) violations.push({ field: 'node_id', description: 'must be a UUID' });
    if (!type) violations.push({ field: 'type', description: 'must be an organisation type' });
    if (name.length < 1 || name.length > 100)
      violations.push({ field: 'name', description: 'must be 1 to 100 characters' });
    if (req.creditCode && !validCreditCode(req.creditCode)) {
      violations.push({ field: 'credit_code', description: 'must be a valid unified social credit code' });
    }
    if (violations.length) throw RpcError.invalidArgument(violations);
    const node = await this.nodes.findById(req.nodeId);
    if (!node || !(await this.access.may(principal, 'org.organisation.write', node.path)))
      throw notFound('node');
    if (!mayHost(node.kind, type!)) {
      throw new RpcError(
        ErrorCode.FAILED_PRECONDITION,
        'ORGANISATION_NOT_ALLOWED_HERE',
        `A ${type} cannot sit on a ${node.kind}.`,
      );
    }
    const id = newId();
    try {
      await withTransaction(this.dataSource, async (manager) => {
        await this.organisations.insert(manager, {
          id,
          nodeId: node.id,
          type: type!,
          name,
          creditCode: req.creditCode || null,
          createdBy: principal?.subject ?? null,
        });
        await appendToOutbox(
          manager,
          OrganisationRegisteredSchema,
          create(OrganisationRegisteredSchema, {
            organisationId: id,
            nodeId: node.id,
            type: req.type,
            name,
            occurredAt: timestampNow(),
          }),
          { actorSubject: principal?.subject },
        );
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new RpcError(
          ErrorCode.ALREADY_EXISTS,
          'ORGANISATION_EXISTS',
          'This node already has an organisation of this type and name.',
        );
      }
      throw e;
    }
    this.relay.kick();
    return this.toOrganisation((await this.organisations.find(id))!, principal, []);
  }

  private async visible(
    id: string,
    principal: Principal | undefined,
    action: 'org.organisation.read' | 'org.organisation.write',
  ) {
    if (!isUuid(id))
      throw RpcError.invalidArgument([{ field: 'organisation_id', description: 'must be a UUID' }]);
    const o = await this.organisations.find(id);
    if (!o || !(await this.access.may(principal, action, o.nodePath))) throw notFound('organisation');
    return o;
  }

  async get(id: string, principal: Principal | undefined): Promise<Organisation> {
    return this.toOrganisation(await this.visible(id, principal, 'org.organisation.read'), principal);
  }

  async list(req: ListOrganisationsRequest, principal: Principal | undefined) {
    if (!isUuid(req.nodeId))
      throw RpcError.invalidArgument([{ field: 'node_id', description: 'must be a UUID' }]);
    const size = req.limit || 50;
    if (size < 1 || size > 200)
      throw RpcError.invalidArgument([{ field: 'limit', description: 'must be between 1 and 200' }]);
    if (req.cursor && !isUuid(req.cursor))
      throw RpcError.invalidArgument([{ field: 'cursor', description: 'is not valid' }]);
    const types = req.types.map((t) => typeName(t));
    if (types.some((t) => !t))
      throw RpcError.invalidArgument([{ field: 'types', description: 'must be organisation types' }]);
    const node = await this.nodes.findById(req.nodeId);
    if (!node || !(await this.access.may(principal, 'org.organisation.read', node.path)))
      throw notFound('node');
    const page = await this.organisations.listUnder(
      node.path,
      types as string[],
      req.cursor || undefined,
      size + 1,
    );
    const items = page.slice(0, size);
    const members = await this.organisations.currentMembers(items.map((o) => o.id));
    return {
      organisations: await Promise.all(
        items.map((o) =>
          this.toOrganisation(
            o,
            principal,
            members.filter((m) => m.organisationId === o.id),
          ),
        ),
      ),
      nextCursor: page.length > size ? items[items.length - 1].id : '',
    };
  }

  /**
   * Appoints a resident for a term. One person may hold positions in several organisations at once (the
   * compound party group + owners' committee + property company trio); within one organisation their open
   * terms may not overlap (database EXCLUDE).
   */
  async addMembership(req: AddMembershipRequest, principal: Principal | undefined): Promise<Membership> {
    const position = req.position.trim();
    const violations = [];
    if (!isUuid(req.residentId)) violations.push({ field: 'resident_id', description: 'must be a UUID' });
    if (position.length < 1 || position.length > 40)
      violations.push({ field: 'position', description: 'must be 1 to 40 characters' });
    if (!isDate(req.termStart))
      violations.push({ field: 'term_start', description: 'must be a date (YYYY-MM-DD)' });
    if (req.termEnd && (!isDate(req.termEnd) || req.termEnd <= req.termStart)) {
      violations.push({ field: 'term_end', description: 'must be a date after term_start' });
    }
    if (violations.length) throw RpcError.invalidArgument(violations);
    const org = await this.visible(req.organisationId, principal, 'org.organisation.write');
    const residentPath = await this.organisations.residentPath(req.residentId);
    if (!residentPath || !(await this.access.may(principal, 'org.household.read', residentPath)))
      throw notFound('resident');
    const id = newId();
    try {
      await withTransaction(this.dataSource, async (manager) => {
        await this.organisations.insertMembership(manager, {
          id,
          organisationId: org.id,
          residentId: req.residentId,
          position,
          termStart: req.termStart,
          termEnd: req.termEnd || null,
          by: principal?.subject ?? null,
        });
        await appendToOutbox(
          manager,
          MembershipStartedSchema,
          create(MembershipStartedSchema, {
            membershipId: id,
            organisationId: org.id,
            residentId: req.residentId,
            position,
            termStart: req.termStart,
            termEnd: req.termEnd,
            occurredAt: timestampNow(),
          }),
          { actorSubject: principal?.subject },
        );
      });
    } catch (e) {
      if (sqlState(e) === '23P01') {
        throw new RpcError(
          ErrorCode.CONFLICT,
          'MEMBERSHIP_OVERLAPS',
          'The person already holds a term in this organisation then.',
        );
      }
      throw e;
    }
    this.relay.kick();
    return this.toMembership((await this.organisations.findMembership(id))!, true);
  }

  async endMembership(id: string, reason: string, principal: Principal | undefined): Promise<void> {
    if (!isUuid(id))
      throw RpcError.invalidArgument([{ field: 'membership_id', description: 'must be a UUID' }]);
    if (reason.length > 500)
      throw RpcError.invalidArgument([{ field: 'reason', description: 'must be at most 500 characters' }]);
    const m = await this.organisations.findMembership(id);
    if (
      !m ||
      m.endedAt ||
      !(await this.access.may(principal, 'org.organisation.write', m.organisationPath))
    ) {
      throw notFound('membership');
    }
    await withTransaction(this.dataSource, async (manager) => {
      if (!(await this.organisations.endMembership(manager, id, reason || null)))
        throw notFound('membership');
      await appendToOutbox(
        manager,
        MembershipEndedSchema,
        create(MembershipEndedSchema, {
          membershipId: id,
          organisationId: m.organisationId,
          residentId: m.residentId,
          occurredAt: timestampNow(),
        }),
        { actorSubject: principal?.subject },
      );
    });
    this.relay.kick();
  }
}
