import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { ServiceRuntime } from '@linli/messaging';
import { createLogger, nestLogger, type Logger } from '@linli/observability';
import type { GovernanceConfig } from './config.js';
import { governanceDataSource } from './database/data-source.js';
import { GovernanceModule } from './governance.module.js';

export interface GovernanceApp {
  runtime: ServiceRuntime;
  app: INestApplicationContext;
  logger: Logger;
  stop(): Promise<void>;
}

/** Boots the governance service: database, NATS, RPC handlers, outbox relay and (optionally) the ops port. */
export async function startGovernanceApp(
  config: GovernanceConfig,
  options: { ops?: boolean; logger?: Logger } = {},
): Promise<GovernanceApp> {
  const logger = options.logger ?? createLogger('governance', config.LOG_LEVEL);
  const runtime = await ServiceRuntime.connect({
    context: 'governance',
    natsUrl: config.NATS_URL,
    dataSource: governanceDataSource(config.DATABASE_URL),
    logger,
    opsPort: options.ops === false ? undefined : config.HTTP_PORT,
    isolation: config.NATS_SUBJECT_PREFIX
      ? { subjectPrefix: config.NATS_SUBJECT_PREFIX, streamSuffix: config.NATS_STREAM_SUFFIX }
      : undefined,
  });
  const app = await NestFactory.createApplicationContext(GovernanceModule.forRuntime(runtime), {
    logger: nestLogger(logger),
  });
  await runtime.run();
  logger.info('governance service ready');
  return {
    runtime,
    app,
    logger,
    async stop() {
      await runtime.stop();
      await app.close();
    },
  };
}
