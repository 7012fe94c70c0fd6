import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson, toJson } from '@bufbuild/protobuf';
import { NodeKind, NodeRegisteredSchema } from '@linli/contracts';
import { testLogger } from '@linli/testing';
import { divisionDataDir, importDivisions } from '../src/divisions/divisions.import.js';
import { orgFixture, type OrgFixture } from './support.js';

/** A made-up 2024 edition of Chengdu's data: one community renamed, one gone, one new. */
function edition2024(): string {
  const dir = mkdtempSync(join(tmpdir(), 'linli-divisions-'));
  for (const file of ['provinces.csv', 'cities.csv', 'areas.csv', 'streets.csv', 'villages.csv']) {
    const [header, ...lines] = readFileSync(join(divisionDataDir(), file), 'utf8').trim().split('\n');
    let kept = lines.filter((l) => l.startsWith('51,') || l.startsWith('5101'));
    if (file === 'villages.csv') {
      kept = kept
        .filter((l) => !l.startsWith('510108007005,'))
        .map((l) =>
          l.startsWith('510108007003,') ? l.replace('下涧槽社区居委会', '下涧槽新社区居委会') : l,
        );
      kept.push('510108007099,"新设社区居委会",510108007,51,5101,510108');
    }
    writeFileSync(join(dir, file), [header, ...kept].join('\n') + '\n');
  }
  return dir;
}

describe('AD-4: importing a newer edition reports and never rewrites history', () => {
  let f: OrgFixture;
  let dir: string;

  beforeAll(async () => {
    f = await orgFixture('org_divisions');
    dir = edition2024();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await f.close();
  });

  it('reports added, renamed and retired codes; adds only the new one', async () => {
    const ds = f.org.runtime.dataSource;
    const before = await ds.query(
      `SELECT id, name FROM nodes WHERE code IN ('510108007003', '510108007005') ORDER BY code`,
    );
    const report = await importDivisions(ds, {
      scope: '5101',
      logger: testLogger(),
      dataDir: dir,
      edition: '2024',
    });
    expect(report.edition).toBe('2024');
    expect(report.added).toBe(1);
    expect(report.renamed).toEqual([
      { code: '510108007003', from: '下涧槽社区居委会', to: '下涧槽新社区居委会' },
    ]);
    expect(report.retired).toEqual([{ code: '510108007005', name: '东华社区' }]);
    const after = await ds.query(
      `SELECT id, name FROM nodes WHERE code IN ('510108007003', '510108007005') ORDER BY code`,
    );
    expect(after).toEqual(before);
    const [added] = await ds.query(`SELECT name, kind FROM nodes WHERE code = '510108007099'`);
    expect(added).toEqual({ name: '新设社区', kind: 'community' });
  });

  it('AD-1: every imported code is twelve digits, and its kind follows code[6] and the sequence', async () => {
    const [bad] = await f.org.runtime.dataSource.query(`
      SELECT count(*) FILTER (WHERE code !~ '^[0-9]{12}$')::int AS malformed,
             count(*) FILTER (WHERE kind = 'street' AND substr(code, 7, 1) <> '0')::int AS streets,
             count(*) FILTER (WHERE kind = 'town' AND substr(code, 7, 1) <> '1')::int AS towns,
             count(*) FILTER (WHERE kind = 'community' AND substr(code, 10, 3)::int >= 200)::int AS communities
        FROM nodes WHERE source = 'import'`);
    expect(bad).toEqual({ malformed: 0, streets: 0, towns: 0, communities: 0 });
  });

  it('the import writes one audit row per run (edition, counts, diff) and one node_registered event per node, as toJson would', async () => {
    const ds = f.org.runtime.dataSource;
    const runs = await ds.query(
      `SELECT scope, edition, seen, added, unchanged, renamed, retired, initial_load, diff FROM division_import_runs ORDER BY at`,
    );
    const [{ nodes }] = await ds.query(`SELECT count(*)::int AS nodes FROM nodes WHERE source = 'import'`);
    expect(runs[0]).toMatchObject({ scope: '5101', edition: '2023', added: nodes - 1, initial_load: true });
    expect(runs.at(-1)).toMatchObject({
      edition: '2024',
      added: 1,
      renamed: 1,
      retired: 1,
      initial_load: false,
    });
    expect(runs.at(-1).diff.retired).toEqual([{ code: '510108007005', name: '东华社区' }]);
    const [{ unversioned }] = await ds.query(
      `SELECT count(*)::int AS unversioned FROM nodes n
        WHERE NOT EXISTS (SELECT 1 FROM node_versions v WHERE v.node_id = n.id AND v.valid_to IS NULL)`,
    );
    expect(unversioned).toBe(0);

    const [{ events }] = await ds.query(
      `SELECT count(*)::int AS events FROM outbox WHERE type = 'linli.org.v1.NodeRegistered'`,
    );
    expect(events).toBe(nodes);
    const [xiajiancao] = await ds.query(`SELECT id FROM nodes WHERE code = '510108007003'`);
    const [row] = await ds.query(`SELECT id, headers, payload FROM outbox WHERE payload->>'nodeId' = $1`, [
      xiajiancao.id,
    ]);
    const event = fromJson(NodeRegisteredSchema, row.payload);
    expect(toJson(NodeRegisteredSchema, event)).toEqual(row.payload);
    expect(event).toMatchObject({
      kind: NodeKind.COMMUNITY,
      name: '下涧槽社区',
      code: '510108007003',
      source: 'import',
    });
    expect(event.aggregateVersion).toBe(1n);
    expect(event.ancestors.map((a) => a.name)).toEqual(['四川省', '成都市', '成华区', '二仙桥街道']);
    expect(event.ancestors.at(-1)?.id).toBe(event.parentId);
    expect(row.headers).toMatchObject({ 'ce-id': row.id, 'ce-type': 'linli.org.v1.NodeRegistered' });
  });
});
