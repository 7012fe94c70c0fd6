import {
  platformSettings,
  preflight,
  startPlatform,
  type PlatformSettings,
  type RunningPlatform,
} from '@linli/platform';
import { step } from './report.js';

/**
 * The whole platform as `npm start` runs it, on the benchmarks' own databases, subjects and ports (so a bench
 * never touches the demo platform's data). Exits with the preflight's findings when something is missing.
 */
export async function startBenchPlatform(): Promise<{
  platform: RunningPlatform;
  settings: PlatformSettings;
}> {
  const settings = platformSettings({
    ...process.env,
    ORG_DATABASE_URL:
      process.env.BENCH_ORG_DATABASE_URL ?? 'postgres://linli_bench_org:bench@127.0.0.1:5432/linli_bench_org',
    GOVERNANCE_DATABASE_URL:
      process.env.BENCH_GOVERNANCE_DATABASE_URL ??
      'postgres://linli_bench_gov:bench@127.0.0.1:5432/linli_bench_gov',
    NATS_SUBJECT_PREFIX: 'bench.',
    NATS_STREAM_SUFFIX: '_BENCH',
    DEV_IDP_PORT: process.env.BENCH_IDP_PORT ?? '18080',
    GATEWAY_PORT: process.env.BENCH_GATEWAY_PORT ?? '13000',
    ORG_HTTP_PORT: '13101',
    GOVERNANCE_HTTP_PORT: '13102',
    LOG_LEVEL: 'warn',
  });
  const problems = await preflight(settings);
  if (problems.length) {
    process.stderr.write(`cannot run the benchmark:\n  ${problems.join('\n  ')}\n`);
    process.exit(1);
  }
  step('starting the platform (separate bench databases and subjects)');
  const platform = await startPlatform(settings, (line) => {
    if (/"level":"(warn|error|fatal)"|failed/.test(line)) process.stderr.write(`${line}\n`);
  });
  return { platform, settings };
}
