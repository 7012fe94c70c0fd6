import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { ServiceRuntime } from '@linli/messaging';
import { PiiCipher } from '@linli/privacy';
import { createLogger, nestLogger, type Logger } from '@linli/observability';
import type { OrgConfig } from './config.js';
import { orgDataSource } from './database/data-source.js';
import { OrgModule } from './org.module.js';
import { RetentionSchedule } from './retention/retention.schedule.js';

export interface OrgApp {
  runtime: ServiceRuntime;
  app: INestApplicationContext;
  logger: Logger;
  stop(): Promise<void>;
}

/** Boots the org service: database, NATS, RPC handlers, outbox relay and (optionally) the ops port. */
export async function startOrgApp(
  config: OrgConfig,
  options: { ops?: boolean; logger?: Logger } = {},
): Promise<OrgApp> {
  const logger = options.logger ?? createLogger('org', config.LOG_LEVEL);
  const runtime = await ServiceRuntime.connect({
    context: 'org',
    natsUrl: config.NATS_URL,
    dataSource: orgDataSource(config.DATABASE_URL),
    logger,
    opsPort: options.ops === false ? undefined : config.HTTP_PORT,
    isolation: config.NATS_SUBJECT_PREFIX
      ? { subjectPrefix: config.NATS_SUBJECT_PREFIX, streamSuffix: config.NATS_STREAM_SUFFIX }
      : undefined,
  });
  const app = await NestFactory.createApplicationContext(
    OrgModule.forRuntime(runtime, new PiiCipher(config.PII_ENCRYPTION_KEY)),
    {
      logger: nestLogger(logger),
    },
  );
  await runtime.run();
  const retention = new RetentionSchedule(
    runtime.dataSource,
    logger,
    config.PI_RETENTION_INTERVAL_MINUTES * 60_000,
  );
  retention.start();
  logger.info('org service ready');
  return {
    runtime,
    app,
    logger,
    async stop() {
      // The retention job and Nest first (the import worker stops after its batch while NATS and PostgreSQL are
      // still up), then the runtime.
      await retention.stop();
      await app.close();
      await runtime.stop();
    },
  };
}
