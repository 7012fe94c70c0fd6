import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createLogger } from '@linli/observability';
import { grantDemoAssignments } from './access/demo-assignments.js';
import { orgConfig } from './config.js';
import { orgDataSource } from './database/data-source.js';
import { importDivisions } from './divisions/divisions.import.js';
import { importHouseholds } from './imports/households.import.js';
import { PiiCipher } from '@linli/privacy';
import { configurePolicy, currentPolicies, runRetention } from './retention/retention.js';

const USAGE = `usage: org-cli <command> [options]
  import-divisions [--scope 5101] [--edition 2023] [--data-dir DIR] [--report diff.json]
                                    import statistical divisions ('' = national, 51 = a province, 5101 = Chengdu);
                                    a newer edition's renamed and retired codes go to the report (AD-4)
  seed-demo --realm <realm.json>    import Chengdu and grant the demo operators their scoped roles
  import-households <file.csv|file.xlsx> [--batch 2000] [--writers 2]
                                    compounds, buildings, households and residents; checked first (a bad file is
                                    rejected whole, with line, field and reason); resumable; re-runs are idempotent
  retention run                     PI-5: anonymise or delete personal data past its retention period, now
  retention show                    the current retention policy of each personal-data category
  retention set <category> <days> [--purpose TEXT] [--by NAME]
                                    a new policy version (access logs: at least 184 days, six months)`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    scope: { type: 'string', default: '5101' },
    realm: { type: 'string' },
    report: { type: 'string' },
    'data-dir': { type: 'string' },
    edition: { type: 'string', default: '2023' },
    batch: { type: 'string', default: '2000' },
    writers: { type: 'string', default: '2' },
    purpose: { type: 'string' },
    by: { type: 'string', default: 'cli' },
  },
});

const config = orgConfig();
const logger = createLogger('org-cli', config.LOG_LEVEL);
const dataSource = orgDataSource(config.DATABASE_URL, 2);

function progress(label: string) {
  return (written: number) =>
    process.stderr.write(`\r${label}: ${written.toLocaleString('en')} nodes written   `);
}

const command = positionals[0];
if (command === 'retention') {
  const [, sub, category, days] = positionals;
  if (!['run', 'show', 'set'].includes(sub) || (sub === 'set' && (!category || !days))) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  await dataSource.initialize();
  try {
    if (sub === 'run') {
      const report = await runRetention(dataSource, { logger });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else if (sub === 'set') {
      const policy = await configurePolicy(dataSource, {
        category,
        retentionDays: Number(days),
        purpose: values.purpose,
        by: values.by!,
      });
      process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
    } else {
      process.stdout.write(`${JSON.stringify(await currentPolicies(dataSource), null, 2)}\n`);
    }
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await dataSource.destroy();
  }
  process.exit();
}
if (command === 'import-households') {
  const file = positionals[1];
  if (!file) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const refuse = (why: string) => {
    process.stderr.write(`import-households: ${why}\n`);
    process.exit(2);
  };
  const batchSize = Number(values.batch);
  const writers = Number(values.writers);
  if (!existsSync(file)) refuse(`no file ${file}`);
  if (!/\.(csv|xlsx)$/i.test(file)) refuse('the file must be a .csv or an .xlsx workbook');
  if (!Number.isInteger(batchSize) || batchSize < 1) refuse('--batch must be a positive integer');
  if (!Number.isInteger(writers) || writers < 1 || writers > 8)
    refuse('--writers must be an integer from 1 to 8');
  await dataSource.initialize();
  try {
    const report = await importHouseholds(dataSource, new PiiCipher(config.PII_ENCRYPTION_KEY), {
      file,
      logger,
      actor: 'cli',
      batchSize,
      writers,
      onProgress: (phase, done, total) =>
        process.stderr.write(
          `\r${phase} ${done.toLocaleString('en')}${total ? ` / ${total.toLocaleString('en')}` : ''} rows   `,
        ),
    });
    process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = report.status === 'completed' ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
  process.exit();
}
if (command !== 'import-divisions' && command !== 'seed-demo') {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
await dataSource.initialize();
try {
  const scope = command === 'seed-demo' ? '5101' : values.scope!;
  const report = await importDivisions(dataSource, {
    scope,
    logger,
    dataDir: values['data-dir'],
    edition: values.edition,
    actor: 'cli',
    onProgress: progress(`importing ${scope || 'national'} divisions`),
  });
  process.stderr.write('\n');
  logger.info(
    {
      added: report.added,
      unchanged: report.unchanged,
      renamed: report.renamed.length,
      retired: report.retired.length,
    },
    'divisions imported',
  );
  if (values.report) {
    await writeFile(values.report, JSON.stringify(report, null, 2));
    logger.info(
      { file: values.report },
      'diff report written (AD-4: renamed and retired codes are reported, not applied)',
    );
  }
  if (command === 'seed-demo') {
    if (!values.realm) throw new Error('seed-demo needs --realm <realm.json>');
    const granted = await grantDemoAssignments(dataSource, values.realm);
    logger.info({ granted }, 'demo role assignments granted');
  }
} finally {
  await dataSource.destroy();
}
