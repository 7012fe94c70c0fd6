import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampNow } from '@bufbuild/protobuf/wkt';
import {
  ErrorCode,
  ManagingAuthorityChangedSchema,
  NodeKind,
  NodeMovedSchema,
  NodeRegisteredSchema,
  NodeRenamedSchema,
  NodeRetiredSchema,
  type KindCount,
  type ListChildrenRequest,
  type ListSubtreeRequest,
  type MoveNodeRequest,
  type Node,
  type NodeRef,
  type Principal,
  type RegisterNodeRequest,
  type RenameNodeRequest,
  type RetireNodeRequest,
  type SearchNodesRequest,
  type SetManagingAuthorityRequest,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, withTransaction } from '@linli/persistence';
import { DataSource } from 'typeorm';
import type { Action } from '../access/access-policy.js';
import { AccessService } from '../access/access.service.js';
import { covers } from '../access/access-policy.js';
import {
  CODE_PATTERN,
  codeFitsParent,
  kindFromName,
  kindName,
  mayContain,
  pathLabel,
  validateName,
} from './node.js';
import { NodesError } from './nodes.errors.js';
import { decodeCursor, encodeCursor, toNode, toNodeRef } from './nodes.mapper.js';
import { NodeHistoryRepository, NodesRepository, type NodeRecord } from './nodes.repository.js';

const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;

function requireUuid(field: string, value: string): void {
  if (!isUuid(value)) throw RpcError.invalidArgument([{ field, description: 'must be a UUID' }]);
}

function pageSize(limit: number, fallback: number, max: number): number {
  const size = limit === 0 ? fallback : limit;
  if (size < 1 || size > max)
    throw RpcError.invalidArgument([{ field: 'limit', description: `must be between 1 and ${max}` }]);
  return size;
}

function kindNames(kinds: NodeKind[]): string[] {
  const names = kinds.map(kindName);
  if (names.includes('unspecified'))
    throw RpcError.invalidArgument([{ field: 'kinds', description: 'must be node kinds' }]);
  return names;
}

function validateReason(reason: string): void {
  if (reason.length > 500)
    throw RpcError.invalidArgument([{ field: 'reason', description: 'must be at most 500 characters' }]);
}

/**
 * Use cases of the division tree: load, decide, save + history + outbox in one transaction. Every use case
 * checks the principal's scope first; outside it a node "does not exist" (NOT_FOUND), so scopes leak nothing.
 */
@Injectable()
export class NodesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly nodes: NodesRepository,
    private readonly history: NodeHistoryRepository,
    private readonly access: AccessService,
    private readonly relay: OutboxRelay,
  ) {}

  /** Loads a live node the principal may act on, or NOT_FOUND. */
  private async visible(
    id: string,
    principal: Principal | undefined,
    action: Action,
    field = 'id',
  ): Promise<NodeRecord> {
    requireUuid(field, id);
    const node = await this.nodes.findById(id);
    if (!node || !(await this.access.may(principal, action, node.path))) throw NodesError.notFound();
    return node;
  }

  async getNode(id: string, principal: Principal | undefined): Promise<Node> {
    return toNode(await this.visible(id, principal, 'org.node.read'));
  }

  async findByCode(code: string, principal: Principal | undefined): Promise<Node> {
    if (!CODE_PATTERN.test(code)) {
      throw RpcError.invalidArgument([
        { field: 'code', description: 'must be a 12-digit statistical code (AD-1)' },
      ]);
    }
    const node = await this.nodes.findByCode(code);
    if (!node || !(await this.access.may(principal, 'org.node.read', node.path))) throw NodesError.notFound();
    return toNode(node);
  }

  async listChildren(req: ListChildrenRequest, principal: Principal | undefined) {
    requireUuid('parent_id', req.parentId);
    const limit = pageSize(req.limit, DEFAULT_PAGE, MAX_PAGE);
    let after: string | undefined;
    if (req.cursor) {
      after = decodeCursor(req.cursor);
      if (!after || !isUuid(after)) throw NodesError.invalidCursor();
    }
    await this.visible(req.parentId, principal, 'org.node.read', 'parent_id');
    const page = await this.nodes.listChildren(req.parentId, after, limit + 1);
    const nodes = page.slice(0, limit);
    return {
      nodes: nodes.map(toNode),
      nextCursor: page.length > limit ? encodeCursor(nodes[nodes.length - 1].id) : '',
    };
  }

  /** Breadcrumbs: the node's ancestors from the root down, and the node. */
  async path(id: string, principal: Principal | undefined): Promise<NodeRef[]> {
    const node = await this.visible(id, principal, 'org.node.read');
    return [...(await this.nodes.ancestors(node.path)), node].map(toNodeRef);
  }

  async listSubtree(req: ListSubtreeRequest, principal: Principal | undefined) {
    const limit = pageSize(req.limit, 100, 500);
    const kinds = kindNames(req.kinds);
    let after: string | undefined;
    if (req.cursor) {
      after = decodeCursor(req.cursor);
      if (!after || !/^[0-9a-f]{32}(\.[0-9a-f]{32})*$/.test(after)) throw NodesError.invalidCursor();
    }
    if (!req.at) {
      // One round trip for the root and the page; the page is dropped unless the caller may read the root.
      requireUuid('root_id', req.rootId);
      const found = await this.nodes.listSubtreeOf(req.rootId, kinds, after, limit + 1);
      if (!found || !(await this.access.may(principal, 'org.node.read', found.rootPath)))
        throw NodesError.notFound();
      const nodes = found.nodes.slice(0, limit);
      return {
        nodes: nodes.map(toNode),
        nextCursor: found.nodes.length > limit ? encodeCursor(nodes[nodes.length - 1].path) : '',
      };
    }
    const root = await this.visible(req.rootId, principal, 'org.node.read', 'root_id');
    const at = timestampDate(req.at);
    const page = await this.history.subtreeAt(root.id, at, kinds, after, limit + 1);
    const nodes = page.slice(0, limit);
    return {
      // createdAt carries when this version of the node began; child counts are not kept per version.
      nodes: nodes.map((n) =>
        toNode({ ...n, childCount: 0, officialName: null, source: 'import', createdAt: n.validFrom }),
      ),
      nextCursor: page.length > limit ? encodeCursor(nodes[nodes.length - 1].path) : '',
    };
  }

  async search(req: SearchNodesRequest, principal: Principal | undefined): Promise<Node[]> {
    const text = req.query.trim();
    if (text.length < 1 || text.length > 64) {
      throw RpcError.invalidArgument([{ field: 'query', description: 'must be 1 to 64 characters' }]);
    }
    const limit = pageSize(req.limit, 20, 100);
    const kinds = kindNames(req.kinds);
    let within = await this.access.pathsFor(principal, 'org.node.read');
    if (req.rootId) {
      const root = await this.visible(req.rootId, principal, 'org.node.read', 'root_id');
      within = [root.path];
    }
    return (await this.nodes.search(text, within, kinds, limit)).map(toNode);
  }

  async countSubtree(rootId: string, principal: Principal | undefined): Promise<KindCount[]> {
    const root = await this.visible(rootId, principal, 'org.node.read', 'root_id');
    const counts = await this.nodes.countSubtree(root.path);
    return counts.map(
      (c) => ({ kind: kindFromName(c.kind) ?? NodeKind.UNSPECIFIED, count: BigInt(c.count) }) as KindCount,
    );
  }

  /**
   * An operator adds a node under a parent in their subtree (e.g. a community missing from the statistical
   * data).
   */
  async registerNode(req: RegisterNodeRequest, principal: Principal | undefined): Promise<Node> {
    const violations = [];
    if (!isUuid(req.parentId)) violations.push({ field: 'parent_id', description: 'must be a UUID' });
    if (kindName(req.kind) === 'unspecified')
      violations.push({ field: 'kind', description: 'must be a node kind' });
    const nameViolation = validateName(req.name);
    if (nameViolation) violations.push(nameViolation);
    if (req.code && !CODE_PATTERN.test(req.code)) {
      violations.push({ field: 'code', description: 'must be a 12-digit statistical code (AD-1)' });
    }
    if (req.requestId.length > 128)
      violations.push({ field: 'request_id', description: 'must be at most 128 characters' });
    if (violations.length) throw RpcError.invalidArgument(violations);

    const subject = principal?.subject ?? '';
    if (req.requestId && subject) {
      const earlier = await this.nodes.findProcessedRequest(subject, req.requestId);
      if (earlier) return this.getNode(earlier, principal);
    }

    const parent = await this.nodes.findById(req.parentId);
    if (!parent || !(await this.access.may(principal, 'org.node.write', parent.path)))
      throw NodesError.parentNotFound();
    const parentKind = kindFromName(parent.kind) ?? NodeKind.UNSPECIFIED;
    if (!mayContain(parentKind, req.kind)) throw NodesError.kindNotAllowed(parent.kind, kindName(req.kind));
    if (req.code && !codeFitsParent(req.code, parent.code, parentKind)) throw NodesError.codeOutsideParent();

    const id = newId();
    const name = req.name.trim();
    try {
      await withTransaction(this.dataSource, async (manager) => {
        if (await this.nodes.siblingNameTaken(manager, parent.id, kindName(req.kind), name))
          throw NodesError.nameTaken();
        await this.nodes.insert(manager, {
          id,
          kind: kindName(req.kind),
          name,
          officialName: null,
          code: req.code || null,
          parentId: parent.id,
          path: `${parent.path}.${pathLabel(id)}`,
          depth: parent.depth + 1,
          source: 'operator',
          createdBy: subject || null,
        });
        await this.history.record(manager, [id], {
          action: 'register',
          actor: subject || null,
          reason: null,
          after: { name },
        });
        const ancestors = [...(await this.nodes.ancestors(parent.path, manager)), parent].map(toNodeRef);
        await appendToOutbox(
          manager,
          NodeRegisteredSchema,
          create(NodeRegisteredSchema, {
            nodeId: id,
            kind: req.kind,
            name,
            code: req.code,
            parentId: parent.id,
            ancestors,
            occurredAt: timestampNow(),
            aggregateVersion: 1n,
            source: 'operator',
          }),
          { actorSubject: subject || undefined, requestId: req.requestId || undefined },
        );
        if (req.requestId && subject) {
          await this.nodes.recordProcessedRequest(manager, {
            subject,
            requestId: req.requestId,
            operation: 'register_node',
            resultId: id,
          });
        }
      });
    } catch (e) {
      if (isUniqueViolation(e, 'nodes_sibling_name_uq')) throw NodesError.nameTaken();
      if (isUniqueViolation(e, 'nodes_code_current_uq')) throw NodesError.codeTaken();
      if (isUniqueViolation(e, 'processed_requests_pkey') && req.requestId) {
        const earlier = await this.nodes.findProcessedRequest(subject, req.requestId);
        if (earlier) return this.getNode(earlier, principal);
      }
      throw e;
    }
    this.relay.kick();
    return this.getNode(id, principal);
  }

  async rename(req: RenameNodeRequest, principal: Principal | undefined): Promise<Node> {
    const nameViolation = validateName(req.name);
    if (nameViolation) throw RpcError.invalidArgument([nameViolation]);
    validateReason(req.reason);
    const node = await this.visible(req.id, principal, 'org.node.write');
    const name = req.name.trim();
    try {
      await withTransaction(this.dataSource, async (manager) => {
        if (
          node.parentId &&
          (await this.nodes.siblingNameTaken(manager, node.parentId, node.kind, name, node.id))
        ) {
          throw NodesError.nameTaken();
        }
        if (!(await this.nodes.rename(manager, node.id, name, req.expectedVersion)))
          throw NodesError.versionConflict();
        await this.history.record(manager, [node.id], {
          action: 'rename',
          actor: principal?.subject ?? null,
          reason: req.reason || null,
          before: { name: node.name },
          after: { name },
        });
        await appendToOutbox(
          manager,
          NodeRenamedSchema,
          create(NodeRenamedSchema, {
            nodeId: node.id,
            oldName: node.name,
            newName: name,
            occurredAt: timestampNow(),
            aggregateVersion: node.version + 1n,
          }),
          { actorSubject: principal?.subject },
        );
      });
    } catch (e) {
      if (isUniqueViolation(e, 'nodes_sibling_name_uq')) throw NodesError.nameTaken();
      throw e;
    }
    this.relay.kick();
    return this.getNode(node.id, principal);
  }

  /** Moves a node with its whole subtree (e.g. a compound to another community); both ends must be in scope. */
  async move(req: MoveNodeRequest, principal: Principal | undefined): Promise<Node> {
    validateReason(req.reason);
    const node = await this.visible(req.id, principal, 'org.node.write');
    const parent = await this.visible(req.newParentId, principal, 'org.node.write', 'new_parent_id');
    if (covers(node.path, parent.path)) throw NodesError.moveIntoOwnSubtree();
    const kind = kindFromName(node.kind) ?? NodeKind.UNSPECIFIED;
    if (!mayContain(kindFromName(parent.kind) ?? NodeKind.UNSPECIFIED, kind))
      throw NodesError.kindNotAllowed(parent.kind, node.kind);
    if (parent.id === node.parentId) return toNode(node);
    try {
      await withTransaction(this.dataSource, async (manager) => {
        const moved = await this.nodes.move(manager, node, parent, req.expectedVersion);
        if (!moved) throw NodesError.versionConflict();
        await this.history.record(manager, moved, {
          action: 'move',
          actor: principal?.subject ?? null,
          reason: req.reason || null,
          before: { parentId: node.parentId },
          after: { parentId: parent.id },
        });
        const ancestors = [...(await this.nodes.ancestors(parent.path, manager)), parent].map(toNodeRef);
        await appendToOutbox(
          manager,
          NodeMovedSchema,
          create(NodeMovedSchema, {
            nodeId: node.id,
            oldParentId: node.parentId ?? '',
            newParentId: parent.id,
            ancestors,
            occurredAt: timestampNow(),
            aggregateVersion: node.version + 1n,
          }),
          { actorSubject: principal?.subject },
        );
      });
    } catch (e) {
      if (isUniqueViolation(e, 'nodes_sibling_name_uq')) throw NodesError.nameTaken();
      throw e;
    }
    this.relay.kick();
    return this.getNode(node.id, principal);
  }

  /**
   * Sets who administers a street, town or township (e.g. 成都高新区 for streets that sit statistically under
   * 武侯区). The statistical parent does not change; operators of the authority act in the node's subtree.
   */
  async setManagingAuthority(
    req: SetManagingAuthorityRequest,
    principal: Principal | undefined,
  ): Promise<Node> {
    validateReason(req.reason);
    const node = await this.visible(req.nodeId, principal, 'org.node.write', 'node_id');
    if (!['street', 'town', 'township'].includes(node.kind)) {
      throw new RpcError(
        ErrorCode.FAILED_PRECONDITION,
        'MANAGING_AUTHORITY_NOT_APPLICABLE',
        'Only streets, towns and townships have a managing authority apart from their statistical parent.',
      );
    }
    let authorityId: string | null = null;
    if (req.authorityNodeId) {
      const authority = await this.visible(
        req.authorityNodeId,
        principal,
        'org.node.write',
        'authority_node_id',
      );
      if (authority.kind !== 'zone' && authority.kind !== 'district') {
        throw new RpcError(
          ErrorCode.FAILED_PRECONDITION,
          'AUTHORITY_KIND',
          'A managing authority is a zone or a district.',
        );
      }
      authorityId = authority.id;
    }
    await withTransaction(this.dataSource, async (manager) => {
      const previous = await this.nodes.setManagingAuthority(manager, {
        nodeId: node.id,
        authorityId,
        reason: req.reason || null,
        by: principal?.subject ?? null,
      });
      await this.history.record(manager, [node.id], {
        action: 'managing_authority',
        actor: principal?.subject ?? null,
        reason: req.reason || null,
        before: { authority: previous },
        after: { authority: authorityId },
      });
      await appendToOutbox(
        manager,
        ManagingAuthorityChangedSchema,
        create(ManagingAuthorityChangedSchema, {
          nodeId: node.id,
          authorityNodeId: authorityId ?? '',
          previousAuthorityNodeId: previous ?? '',
          occurredAt: timestampNow(),
        }),
        { actorSubject: principal?.subject },
      );
    });
    this.access.forgetAll();
    this.relay.kick();
    return this.getNode(node.id, principal);
  }

  /** Retires a node from now on; its history stays (the tree on an earlier date still shows it). */
  async retire(req: RetireNodeRequest, principal: Principal | undefined): Promise<void> {
    validateReason(req.reason);
    const node = await this.visible(req.id, principal, 'org.node.write');
    await withTransaction(this.dataSource, async (manager) => {
      if ((await this.nodes.liveChildCount(manager, node.id)) > 0) throw NodesError.hasChildren();
      if (!(await this.nodes.retire(manager, node.id, req.expectedVersion)))
        throw NodesError.versionConflict();
      await this.history.record(manager, [node.id], {
        action: 'retire',
        actor: principal?.subject ?? null,
        reason: req.reason || null,
      });
      await appendToOutbox(
        manager,
        NodeRetiredSchema,
        create(NodeRetiredSchema, {
          nodeId: node.id,
          occurredAt: timestampNow(),
          aggregateVersion: node.version + 1n,
        }),
        { actorSubject: principal?.subject },
      );
    });
    this.relay.kick();
  }
}
