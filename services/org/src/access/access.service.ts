import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate, timestampNow } from '@bufbuild/protobuf/wkt';
import {
  ErrorCode,
  RoleAssignmentSchema,
  RoleGrantedSchema,
  RoleRevokedSchema,
  type GrantRoleRequest,
  type Principal,
  type RoleAssignment,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, withTransaction } from '@linli/persistence';
import { DataSource } from 'typeorm';
import { NodesRepository } from '../nodes/nodes.repository.js';
import {
  allows,
  mayHandOut,
  pathsAllowing,
  roleFromEnum,
  roleToEnum,
  type Action,
  type Scope,
} from './access-policy.js';
import { idsOfPath } from '../nodes/node.js';
import { AccessRepository, type AssignmentRecord } from './access.repository.js';

/** How long a subject's scopes are reused before they are read again: a revoked role stops within this. */
export const SCOPE_CACHE_TTL_MS = 3000;

class AccessError extends RpcError {
  static notFound(): AccessError {
    return new AccessError(ErrorCode.NOT_FOUND, 'ROLE_ASSIGNMENT_NOT_FOUND', 'No such role assignment.');
  }
}

function toAssignment(a: AssignmentRecord): RoleAssignment {
  return create(RoleAssignmentSchema, {
    id: a.id,
    subject: a.subject,
    role: roleToEnum(a.role),
    nodeId: a.nodeId,
    nodeName: a.nodeName,
    grantedAt: timestampFromDate(a.grantedAt),
    grantedBy: a.grantedBy ?? '',
  });
}

/**
 * Answers "may principal P do action A on node N" from scoped role assignments (a grant at a node covers its
 * subtree), and manages those assignments. A subject's scopes are cached for a few seconds per replica; a
 * grant or revoke clears this replica's entry at once, others within SCOPE_CACHE_TTL_MS.
 */
@Injectable()
export class AccessService {
  private readonly cache = new Map<string, { scopes: Scope[]; until: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessRepository,
    private readonly nodes: NodesRepository,
    private readonly relay: OutboxRelay,
  ) {}

  async scopesOf(subject: string | undefined): Promise<Scope[]> {
    if (!subject) return [];
    const hit = this.cache.get(subject);
    if (hit && hit.until > Date.now()) return hit.scopes;
    const scopes = await this.access.scopesOf(subject);
    this.cache.set(subject, { scopes, until: Date.now() + SCOPE_CACHE_TTL_MS });
    if (this.cache.size > 50_000) this.cache.delete(this.cache.keys().next().value!);
    return scopes;
  }

  async may(principal: Principal | undefined, action: Action, path: string): Promise<boolean> {
    return allows(await this.scopesOf(principal?.subject), action, path);
  }

  /** Paths under which the principal may do the action (to filter searches). */
  async pathsFor(principal: Principal | undefined, action: Action): Promise<string[]> {
    return pathsAllowing(await this.scopesOf(principal?.subject), action);
  }

  /** The CheckAccess RPC: unknown nodes and unknown subjects are simply "no". */
  async check(subject: string, action: Action, nodeId: string): Promise<boolean> {
    if (!isUuid(nodeId)) return false;
    const node = await this.nodes.findById(nodeId);
    return node ? allows(await this.scopesOf(subject), action, node.path) : false;
  }

  async grant(principal: Principal | undefined, req: GrantRoleRequest): Promise<RoleAssignment> {
    const role = roleFromEnum(req.role);
    const violations = [];
    if (!req.subject || req.subject.length > 255)
      violations.push({ field: 'subject', description: 'must be a subject id' });
    if (!role) violations.push({ field: 'role', description: 'must be a scoped role' });
    if (!isUuid(req.nodeId)) violations.push({ field: 'node_id', description: 'must be a UUID' });
    if (req.reason.length > 500)
      violations.push({ field: 'reason', description: 'must be at most 500 characters' });
    if (violations.length) throw RpcError.invalidArgument(violations);
    const node = await this.nodes.findById(req.nodeId);
    const scopes = await this.scopesOf(principal?.subject);
    // Outside the grantor's subtree the node does not exist for them.
    if (!node || !allows(scopes, 'org.role.grant', node.path))
      throw new RpcError(ErrorCode.NOT_FOUND, 'NODE_NOT_FOUND', 'No such node.');
    const grantorRoles = scopes.filter((s) => allows([s], 'org.role.grant', node.path)).map((s) => s.role);
    if (!grantorRoles.some((g) => mayHandOut(g, role!))) {
      throw new RpcError(
        ErrorCode.PERMISSION_DENIED,
        'ROLE_ABOVE_GRANTOR',
        'You cannot hand out a role above your own.',
      );
    }
    const id = newId();
    try {
      await withTransaction(this.dataSource, async (manager) => {
        await this.access.insertAssignment(manager, {
          id,
          subject: req.subject,
          role: role!,
          nodeId: node.id,
          grantedBy: principal!.subject,
          reason: req.reason,
        });
        await appendToOutbox(
          manager,
          RoleGrantedSchema,
          create(RoleGrantedSchema, {
            assignmentId: id,
            subject: req.subject,
            role: req.role,
            nodeId: node.id,
            nodePath: idsOfPath(node.path),
            occurredAt: timestampNow(),
            grantedBy: principal!.subject,
          }),
          { actorSubject: principal!.subject },
        );
      });
    } catch (e) {
      if (isUniqueViolation(e, 'role_assignments_active_uq')) {
        throw new RpcError(
          ErrorCode.ALREADY_EXISTS,
          'ROLE_ALREADY_HELD',
          'The subject already holds this role here.',
        );
      }
      throw e;
    }
    this.cache.delete(req.subject);
    this.relay.kick();
    return toAssignment((await this.access.findAssignment(id))!);
  }

  async revoke(principal: Principal | undefined, assignmentId: string): Promise<void> {
    if (!isUuid(assignmentId))
      throw RpcError.invalidArgument([{ field: 'assignment_id', description: 'must be a UUID' }]);
    const a = await this.access.findAssignment(assignmentId);
    if (!a || a.revokedAt || !(await this.may(principal, 'org.role.grant', a.nodePath)))
      throw AccessError.notFound();
    await withTransaction(this.dataSource, async (manager) => {
      if (!(await this.access.revoke(manager, a.id, principal!.subject))) throw AccessError.notFound();
      await appendToOutbox(
        manager,
        RoleRevokedSchema,
        create(RoleRevokedSchema, {
          assignmentId: a.id,
          subject: a.subject,
          role: roleToEnum(a.role),
          nodeId: a.nodeId,
          occurredAt: timestampNow(),
          revokedBy: principal!.subject,
        }),
        { actorSubject: principal!.subject },
      );
    });
    this.cache.delete(a.subject);
    this.relay.kick();
  }

  async list(principal: Principal | undefined, nodeId: string, limit: number, cursor: string) {
    if (!isUuid(nodeId))
      throw RpcError.invalidArgument([{ field: 'node_id', description: 'must be a UUID' }]);
    const size = limit || 50;
    if (size < 1 || size > 200)
      throw RpcError.invalidArgument([{ field: 'limit', description: 'must be between 1 and 200' }]);
    if (cursor && !isUuid(cursor))
      throw RpcError.invalidArgument([{ field: 'cursor', description: 'is not valid' }]);
    const node = await this.nodes.findById(nodeId);
    if (!node || !(await this.may(principal, 'org.role.read', node.path))) {
      throw new RpcError(ErrorCode.NOT_FOUND, 'NODE_NOT_FOUND', 'No such node.');
    }
    const page = await this.access.listUnder(node.path, cursor || undefined, size + 1);
    const items = page.slice(0, size);
    return {
      assignments: items.map(toAssignment),
      nextCursor: page.length > size ? items[items.length - 1].id : '',
    };
  }

  /** Clears every cached scope (tests; a replica that learns of mass revocations). */
  forgetAll(): void {
    this.cache.clear();
  }
}
