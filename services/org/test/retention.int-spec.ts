import { newId } from '@linli/persistence';
import { PiiCipher, composeResidentId, maskId, maskName } from '@linli/privacy';
import { expectEventually, testLogger } from '@linli/testing';
import { RetentionSchedule } from '../src/retention/retention.schedule.js';
import { configurePolicy, currentPolicies, runRetention } from '../src/retention/retention.js';
import { orgFixture, type OrgFixture } from './support.js';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

describe('PI-5: retention of personal data (real PostgreSQL)', () => {
  let f: OrgFixture;
  const cipher = new PiiCipher(PiiCipher.generateKey());
  const ds = () => f.org.runtime.dataSource;
  let household: string;

  beforeAll(async () => {
    f = await orgFixture('org_retention');
    household = newId();
    await ds().query(`INSERT INTO households (id, node_id, label) VALUES ($1, $2, 'R-101')`, [
      household,
      await f.nodeIdByCode('510108007003'),
    ]);
  });
  afterAll(() => f.close());

  /** A resident of the household; `leftDaysAgo` ends the membership that long ago. */
  async function resident(name: string, birth: string, seq: number, leftDaysAgo?: number) {
    const id = newId();
    const idNumber = composeResidentId('510108', birth, seq);
    await ds().query(
      `INSERT INTO residents (id, name, id_number_cipher, id_number_index, id_number_masked, mobile_cipher,
                             mobile_masked, birth_date, sex)
       VALUES ($1, $2, $3, $4, $5, $6, '138****0000', $7, 'female')`,
      [
        id,
        name,
        cipher.encrypt(idNumber, 'resident.id_number'),
        cipher.blindIndex(idNumber, 'resident.id_number'),
        maskId(idNumber),
        cipher.encrypt('13800000000', 'resident.mobile'),
        birth,
      ],
    );
    await ds().query(
      `INSERT INTO household_members (household_id, resident_id, relation, joined_at, left_at)
       VALUES ($1, $2, 'other', $3, $4)`,
      [household, id, daysAgo(3000), leftDaysAgo === undefined ? null : daysAgo(leftDaysAgo)],
    );
    return { id, idNumber };
  }

  const accessLog = async (daysOld: number) => {
    const [{ id }] = await ds().query(
      `INSERT INTO pi_access_log (resident_id, field, purpose, actor, at) VALUES ($1, 'id_number', 'audit', 'op', $2)
       RETURNING id`,
      [newId(), daysAgo(daysOld)],
    );
    return id as string;
  };

  it('PI-5: every category has a purpose and a retention period; access logs can never be configured below six months', async () => {
    const policies = await currentPolicies(ds());
    expect(policies.map((p) => p.category).sort()).toEqual([
      'guardian_consents',
      'pi_access_log',
      'resident_identifiers',
    ]);
    for (const p of policies) {
      expect(p.purpose.length).toBeGreaterThanOrEqual(10);
      expect(p.retentionDays).toBeGreaterThan(0);
    }
    await expect(
      configurePolicy(ds(), { category: 'pi_access_log', retentionDays: 30, by: 'test' }),
    ).rejects.toThrow('at least 184 days');
    await expect(
      configurePolicy(ds(), { category: 'pi_access_log', retentionDays: 183, by: 'test' }),
    ).rejects.toThrow('at least 184 days');
    // Not even a direct write gets past the database.
    await expect(
      ds().query(
        `INSERT INTO pi_retention_policies (category, version, purpose, retention_days, action)
         VALUES ('pi_access_log', 99, 'a misconfiguration', 30, 'delete')`,
      ),
    ).rejects.toThrow('pi_access_log_kept_six_months');
    await expect(
      configurePolicy(ds(), {
        category: 'biometrics',
        retentionDays: 400,
        purpose: 'not a category of ours',
        by: 't',
      }),
    ).rejects.toThrow('unknown personal-data category');
    const changed = await configurePolicy(ds(), { category: 'pi_access_log', retentionDays: 184, by: 'dpo' });
    expect(changed).toMatchObject({ version: 2, retentionDays: 184, action: 'delete', configuredBy: 'dpo' });
  });

  it('PI-5: the job anonymises residents who left long enough ago, keeps current residents, deletes their consents and old access logs, and logs counts only', async () => {
    const gone = await resident('张三明', '1980-05-06', 1, 400);
    const current = await resident('李四', '1985-01-02', 2);
    const recent = await resident('王五', '1990-03-04', 3, 10);
    const child = await resident('赵小六', `${new Date().getUTCFullYear() - 8}-06-01`, 4, 400);
    await ds().query(
      `INSERT INTO guardian_consents (resident_id, guardian_resident_id, document_ref) VALUES ($1, $2, 'consent-1'),
         ($3, $2, 'consent-2')`,
      [child.id, current.id, recent.id],
    );
    const oldLog = await accessLog(7 * 30);
    const youngLog = await accessLog(5 * 30);

    const report = await runRetention(ds(), { logger: testLogger(), batchSize: 2 });
    const records = Object.fromEntries(report.actions.map((a) => [a.category, a.records]));
    expect(records).toEqual({ resident_identifiers: 2, guardian_consents: 1, pi_access_log: 1 });

    const rows: Array<Record<string, unknown>> = await ds().query(
      `SELECT id, name, id_number_cipher, id_number_index, id_number_masked, mobile_cipher, mobile_masked,
              to_char(birth_date, 'YYYY-MM-DD') AS birth_date, anonymised_at
         FROM residents WHERE id = ANY($1::uuid[])`,
      [[gone.id, current.id, recent.id, child.id]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(gone.id)).toMatchObject({
      name: maskName('张三明'),
      id_number_cipher: null,
      id_number_index: null,
      id_number_masked: null,
      mobile_cipher: null,
      mobile_masked: null,
      birth_date: '1980-01-01',
    });
    expect(byId.get(gone.id)!.anonymised_at).toBeInstanceOf(Date);
    expect(byId.get(child.id)).toMatchObject({ id_number_cipher: null, anonymised_at: expect.any(Date) });
    for (const kept of [current, recent]) {
      const r = byId.get(kept.id)!;
      expect(r.anonymised_at).toBeNull();
      expect(cipher.decrypt(r.id_number_cipher as string, 'resident.id_number')).toBe(kept.idNumber);
    }
    const consents = await ds().query(`SELECT resident_id FROM guardian_consents ORDER BY document_ref`);
    expect(consents).toEqual([{ resident_id: recent.id }]);
    const logs = (await ds().query(`SELECT id FROM pi_access_log`)).map((r: { id: string }) => r.id);
    expect(logs).toContain(youngLog);
    expect(logs).not.toContain(oldLog);

    // The retention log: one row per action and batch, with counts, category and policy version only.
    const log = await ds().query(
      `SELECT category, policy_version, action, records FROM pi_retention_log WHERE run_id = $1 ORDER BY id`,
      [report.runId],
    );
    expect(log).toEqual([
      { category: 'guardian_consents', policy_version: 1, action: 'delete', records: 1 },
      { category: 'pi_access_log', policy_version: 2, action: 'delete', records: 1 },
      { category: 'resident_identifiers', policy_version: 1, action: 'anonymise', records: 2 },
    ]);
    const dump = JSON.stringify(await ds().query(`SELECT * FROM pi_retention_log`));
    for (const secret of ['张三明', gone.idNumber, gone.id, child.id]) expect(dump).not.toContain(secret);
    await expect(ds().query(`DELETE FROM pi_retention_log`)).rejects.toThrow('append-only');

    // Nothing is left to do: a second run changes and logs nothing.
    const again = await runRetention(ds(), { logger: testLogger() });
    expect(again.actions.every((a) => a.records === 0)).toBe(true);
    const [{ n }] = await ds().query(`SELECT count(*)::int AS n FROM pi_retention_log WHERE run_id = $1`, [
      again.runId,
    ]);
    expect(n).toBe(0);
  });

  it('PI-5: an access log younger than six months is never deleted, even by the job with a misconfiguration forced past the checks', async () => {
    const young = await accessLog(120);
    // Outside the job the log is append-only.
    await expect(ds().query(`DELETE FROM pi_access_log WHERE id = $1`, [young])).rejects.toThrow(
      'append-only',
    );
    // Inside the job's own transaction setting, the database still refuses rows younger than six months.
    await expect(
      ds().transaction(async (m) => {
        await m.query(`SET LOCAL linli.pi_retention_job = 'on'`);
        await m.query(`DELETE FROM pi_access_log WHERE id = $1`, [young]);
      }),
    ).rejects.toThrow('older than six months');
    // A job whose clock runs 40 days ahead reaches logs under six months old: the database refuses, the
    // batch rolls back, nothing is deleted.
    const logsBefore = await ds().query(`SELECT id FROM pi_access_log ORDER BY id`);
    await expect(
      runRetention(ds(), { logger: testLogger(), now: new Date(Date.now() + 40 * DAY) }),
    ).rejects.toThrow('older than six months');
    expect(await ds().query(`SELECT id FROM pi_access_log ORDER BY id`)).toEqual(logsBefore);
    expect(logsBefore.map((r: { id: string }) => r.id)).toContain(young);
  });

  it('PI-5: the job runs on its schedule inside the service', async () => {
    const stale = await accessLog(300);
    const schedule = new RetentionSchedule(ds(), testLogger(), 60_000, 10);
    schedule.start();
    try {
      await expectEventually(async () => {
        const [{ n }] = await ds().query(`SELECT count(*)::int AS n FROM pi_access_log WHERE id = $1`, [
          stale,
        ]);
        expect(n).toBe(0);
      });
    } finally {
      await schedule.stop();
    }
  });
});
