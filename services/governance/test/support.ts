import { create } from '@bufbuild/protobuf';
import { AccessService, PrincipalSchema, type Principal } from '@linli/contracts';
import { RpcClient, RpcError, RpcServer } from '@linli/messaging';
import { newId } from '@linli/persistence';
import {
  createTestDatabase,
  deleteStreams,
  natsUrl,
  testLogger,
  uniqueSuffix,
  type TestDatabase,
} from '@linli/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { governanceConfig } from '../src/config.js';
import { governanceDataSource } from '../src/database/data-source.js';
import { startGovernanceApp, type GovernanceApp } from '../src/governance.app.js';

/** A small tree: city > district > street > two communities, each with a compound. */
export interface Tree {
  city: string;
  district: string;
  street: string;
  community: string;
  compound: string;
  sibling: string;
  siblingCompound: string;
}

export function principal(subject: string, roles = ['operator']): Principal {
  return create(PrincipalSchema, { subject, username: subject, roles, clientId: 'test' });
}

/**
 * Governance on real PostgreSQL and NATS with its own database, subject prefix and stream suffix. Org's
 * CheckAccess is played by a responder on org's real subject answering from a grant table (a grant at a
 * node covers its subtree), so scope checks cross NATS exactly as in production.
 */
export class GovernanceFixture {
  db!: TestDatabase;
  app!: GovernanceApp;
  nc!: NatsConnection;
  client!: RpcClient;
  pool!: pg.Pool;
  prefix!: string;
  suffix!: string;
  tree!: Tree;
  private readonly parents = new Map<string, string>();
  private readonly grants = new Map<string, Array<{ nodeId: string; actions: string[] }>>();
  private access?: RpcServer;

  async start(name: string): Promise<this> {
    this.db = await createTestDatabase(name);
    const ds = governanceDataSource(this.db.url, 1);
    await ds.initialize();
    await ds.runMigrations();
    await ds.destroy();
    const s = uniqueSuffix();
    this.prefix = `t${s.toLowerCase()}.`;
    this.suffix = `_${s.toUpperCase()}`;
    this.app = await startGovernanceApp(
      governanceConfig({
        DATABASE_URL: this.db.url,
        NATS_URL: natsUrl,
        NATS_SUBJECT_PREFIX: this.prefix,
        NATS_STREAM_SUFFIX: this.suffix,
      }),
      { ops: false, logger: testLogger('governance') },
    );
    this.nc = await connect({ servers: natsUrl });
    this.client = new RpcClient(this.nc, { subjectPrefix: this.prefix, timeoutMs: 30_000 });
    this.access = new RpcServer(this.nc, {
      queue: 'org',
      logger: testLogger('org-access'),
      subjectPrefix: this.prefix,
    });
    this.access.handle(AccessService.method.checkAccess, async (req) => ({
      allowed: this.allowed(req.subject, req.action, req.nodeId),
    }));
    this.pool = new pg.Pool({ connectionString: this.db.url, max: 2 });
    const t = {
      city: newId(),
      district: newId(),
      street: newId(),
      community: newId(),
      compound: newId(),
      sibling: newId(),
      siblingCompound: newId(),
    };
    this.parents.set(t.district, t.city);
    this.parents.set(t.street, t.district);
    this.parents.set(t.community, t.street);
    this.parents.set(t.compound, t.community);
    this.parents.set(t.sibling, t.street);
    this.parents.set(t.siblingCompound, t.sibling);
    this.tree = t;
    return this;
  }

  async stop(): Promise<void> {
    await this.app.stop();
    await this.access?.drain();
    await deleteStreams(
      this.nc,
      `EVT_ORG${this.suffix}`,
      `EVT_GOVERNANCE${this.suffix}`,
      `DEAD_LETTERS${this.suffix}`,
    );
    await this.nc.close();
    await this.pool.end();
    await this.db.drop();
  }

  pathOf(nodeId: string): string[] {
    const path = [nodeId];
    for (let p = this.parents.get(nodeId); p; p = this.parents.get(p)) path.unshift(p);
    return path;
  }

  grant(subject: string, nodeId: string, actions: string[]): Principal {
    this.grants.set(subject, [...(this.grants.get(subject) ?? []), { nodeId, actions }]);
    return principal(subject);
  }

  private allowed(subject: string, action: string, nodeId: string): boolean {
    const path = this.pathOf(nodeId);
    return (this.grants.get(subject) ?? []).some(
      (g) => g.actions.includes(action) && path.includes(g.nodeId),
    );
  }

  /** Writes a node of the test tree into governance's projection of org's units (as node_registered would). */
  async registerUnit(nodeId: string, kind: string): Promise<void> {
    const path = this.pathOf(nodeId);
    await this.pool.query(
      `INSERT INTO org_unit_refs (id, kind, name, parent_id, ancestor_ids, ancestor_names, version)
       VALUES ($1, $2, $3, $4, $5::uuid[], $6::text[], 1) ON CONFLICT (id) DO NOTHING`,
      [
        nodeId,
        kind,
        `${kind}-${nodeId.slice(-4)}`,
        path[path.length - 2] ?? null,
        path.slice(0, -1),
        path.slice(0, -1).map(() => ''),
      ],
    );
  }

  /**
   * Writes residents straight into governance's own projection tables (large electorates for tests and
   * benches; the event path into these tables has its own tests).
   */
  async seedHouseholds(
    nodeId: string,
    count: number,
    options: { adultsPerHousehold?: number; adultOn?: string; accounts?: boolean } = {},
  ): Promise<Array<{ householdId: string; residents: string[]; subjects: string[] }>> {
    const per = options.adultsPerHousehold ?? 1;
    const out: Array<{ householdId: string; residents: string[]; subjects: string[] }> = [];
    for (let i = 0; i < count; i++) {
      const residents = Array.from({ length: per }, () => newId());
      out.push({
        householdId: newId(),
        residents,
        subjects: options.accounts === false ? [] : residents.map((r) => `resident-${r}`),
      });
    }
    const path = this.pathOf(nodeId);
    await this.pool.query(
      `INSERT INTO org_households (household_id, node_id, node_path, located_at)
       SELECT h, $2, $3::uuid[], now() FROM unnest($1::uuid[]) h`,
      [out.map((h) => h.householdId), nodeId, path],
    );
    const rows = out.flatMap((h) => h.residents.map((r, i) => ({ h: h.householdId, r, head: i === 0 })));
    await this.pool.query(
      `INSERT INTO org_residents (resident_id, household_id, head, adult_on, joined_at)
       SELECT r, h, head, $4, now() - interval '1 day' FROM unnest($1::uuid[], $2::uuid[], $3::boolean[]) AS t(r, h, head)`,
      [rows.map((x) => x.r), rows.map((x) => x.h), rows.map((x) => x.head), options.adultOn ?? '1990-01-01'],
    );
    if (options.accounts !== false) {
      await this.pool.query(
        `INSERT INTO resident_accounts (subject, resident_id, linked_at)
         SELECT 'resident-' || r, r, now() FROM unnest($1::uuid[]) r`,
        [rows.map((x) => x.r)],
      );
    }
    return out;
  }
}

export const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inBatches<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** The typed error a call fails with (fails the test if it succeeds or fails otherwise). */
export async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}
