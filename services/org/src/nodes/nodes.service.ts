import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import {
  NodeKind,
  NodeRegisteredSchema,
  type ListChildrenRequest,
  type Node,
  type Principal,
  type RegisterNodeRequest,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, withTransaction } from '@linli/persistence';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
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
import { NodesRepository, type NodeRecord } from './nodes.repository.js';

const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;

function requireUuid(field: string, value: string): void {
  if (!isUuid(value)) throw RpcError.invalidArgument([{ field, description: 'must be a UUID' }]);
}

/** Use cases of the division tree: load, decide, save + outbox in one transaction. */
@Injectable()
export class NodesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly nodes: NodesRepository,
    private readonly access: AccessService,
    private readonly relay: OutboxRelay,
  ) {}

  async getNode(id: string): Promise<Node> {
    requireUuid('id', id);
    const node = await this.nodes.findById(id);
    if (!node) throw NodesError.notFound();
    return toNode(node);
  }

  async findByCode(code: string): Promise<Node> {
    if (!CODE_PATTERN.test(code)) {
      throw RpcError.invalidArgument([
        { field: 'code', description: 'must be a 12-digit statistical code (AD-1)' },
      ]);
    }
    const node = await this.nodes.findByCode(code);
    if (!node) throw NodesError.notFound();
    return toNode(node);
  }

  async listChildren(req: ListChildrenRequest): Promise<{ nodes: Node[]; nextCursor: string }> {
    requireUuid('parent_id', req.parentId);
    const limit = req.limit === 0 ? DEFAULT_PAGE : req.limit;
    if (limit < 1 || limit > MAX_PAGE) {
      throw RpcError.invalidArgument([{ field: 'limit', description: `must be between 1 and ${MAX_PAGE}` }]);
    }
    let after: string | undefined;
    if (req.cursor) {
      after = decodeCursor(req.cursor);
      if (!after || !isUuid(after)) throw NodesError.invalidCursor();
    }
    if (!(await this.nodes.findById(req.parentId))) throw NodesError.notFound();
    const page = await this.nodes.listChildren(req.parentId, after, limit + 1);
    const more = page.length > limit;
    const nodes = page.slice(0, limit);
    return { nodes: nodes.map(toNode), nextCursor: more ? encodeCursor(nodes[nodes.length - 1].id) : '' };
  }

  /**
   * An operator adds a node under a parent in their subtree (e.g. a community missing from the statistical
   * data). Outside their subtree the parent "does not exist" (404), so scopes leak nothing.
   */
  async registerNode(req: RegisterNodeRequest, principal: Principal | undefined): Promise<Node> {
    const violations = [];
    if (!isUuid(req.parentId)) violations.push({ field: 'parent_id', description: 'must be a UUID' });
    if (req.kind === NodeKind.UNSPECIFIED || !kindName(req.kind) || kindName(req.kind) === 'unspecified') {
      violations.push({ field: 'kind', description: 'must be a node kind' });
    }
    const nameViolation = validateName(req.name);
    if (nameViolation) violations.push(nameViolation);
    if (req.code && !CODE_PATTERN.test(req.code)) {
      violations.push({ field: 'code', description: 'must be a 12-digit statistical code (AD-1)' });
    }
    if (req.requestId && req.requestId.length > 128) {
      violations.push({ field: 'request_id', description: 'must be at most 128 characters' });
    }
    if (violations.length) throw RpcError.invalidArgument(violations);

    const subject = principal?.subject ?? '';
    if (req.requestId && subject) {
      const earlier = await this.nodes.findProcessedRequest(subject, req.requestId);
      if (earlier) return this.getNode(earlier);
    }

    const parent = await this.nodes.findById(req.parentId);
    if (!parent || !(await this.access.mayEditUnder(principal, parent.path)))
      throw NodesError.parentNotFound();
    const parentKind = kindFromName(parent.kind) ?? NodeKind.UNSPECIFIED;
    if (!mayContain(parentKind, req.kind)) throw NodesError.kindNotAllowed(parent.kind, kindName(req.kind));
    if (req.code && !codeFitsParent(req.code, parent.code, parentKind)) throw NodesError.codeOutsideParent();

    const id = newId();
    try {
      await withTransaction(this.dataSource, async (manager) => {
        const name = req.name.trim();
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
        if (earlier) return this.getNode(earlier);
      }
      throw e;
    }
    this.relay.kick();
    return this.getNode(id);
  }
}

export type { NodeRecord };
