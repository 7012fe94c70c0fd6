import type { DescMessage } from '@bufbuild/protobuf';
import { contextOf } from '@linli/contracts';
import { startOpsServer, type Logger, type OpsServer } from '@linli/observability';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { checkNats, connectNats } from './connection.js';
import { EventConsumer, type EventHandler } from './event-consumer.js';
import { OutboxRelay } from './outbox-relay.js';
import { RpcServer } from './rpc-server.js';
import { ensureDeadLetterStream, ensureEventStream, streamNameFor } from './streams.js';

export interface ServiceRuntimeOptions {
  /** The bounded context, e.g. `org`: queue group, event stream EVT_ORG and consumer names. */
  context: string;
  natsUrl: string;
  dataSource: DataSource;
  logger: Logger;
  /** Side port for /health/* and /metrics; undefined = none (tests). */
  opsPort?: number;
  /** Isolates subjects and streams (tests run suites side by side on one nats-server). */
  isolation?: { subjectPrefix: string; streamSuffix: string };
}

/**
 * What every service process shares: its database, its NATS connection, an RPC server in the service's
 * queue group, the outbox relay for its own events, durable consumers of other contexts' events, the ops
 * side port, and an orderly stop (stop taking work, drain, close).
 */
export class ServiceRuntime {
  readonly rpc: RpcServer;
  readonly relay: OutboxRelay;
  private readonly consumers: Array<{ producer: string; consumer: EventConsumer<DescMessage> }> = [];
  private ops: OpsServer | undefined;

  private constructor(
    readonly options: ServiceRuntimeOptions,
    readonly nc: NatsConnection,
  ) {
    const prefix = options.isolation?.subjectPrefix;
    this.rpc = new RpcServer(nc, { queue: options.context, logger: options.logger, subjectPrefix: prefix });
    this.relay = new OutboxRelay(options.dataSource, nc, {
      service: options.context,
      logger: options.logger,
      subjectPrefix: prefix,
    });
  }

  static async connect(options: ServiceRuntimeOptions): Promise<ServiceRuntime> {
    if (!options.dataSource.isInitialized) await options.dataSource.initialize();
    const nc = await connectNats({ servers: options.natsUrl, name: options.context, logger: options.logger });
    const runtime = new ServiceRuntime(options, nc);
    await runtime.ensureStream(options.context);
    const iso = options.isolation;
    await ensureDeadLetterStream(nc, {
      suffix: iso?.streamSuffix,
      subjects: iso ? [`${iso.subjectPrefix}dlq.>`] : undefined,
    });
    return runtime;
  }

  get dataSource(): DataSource {
    return this.options.dataSource;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  private async ensureStream(context: string): Promise<string> {
    const iso = this.options.isolation;
    return ensureEventStream(this.nc, context, {
      suffix: iso?.streamSuffix,
      subjects: iso ? [`${iso.subjectPrefix}evt.${context}.>`] : undefined,
    });
  }

  /** Declares a durable consumer of another context's event (started by run()). */
  consume<D extends DescMessage>(schema: D, handler: EventHandler<D>): void {
    const iso = this.options.isolation;
    this.consumers.push({
      producer: contextOf(schema.typeName),
      consumer: new EventConsumer(this.nc, {
        consumer: this.options.context,
        schema,
        handler,
        stream: streamNameFor(contextOf(schema.typeName), { suffix: iso?.streamSuffix }),
        dataSource: this.dataSource,
        logger: this.logger,
        subjectPrefix: iso?.subjectPrefix,
      }) as unknown as EventConsumer<DescMessage>,
    });
  }

  /** Starts the relay, the consumers and the ops port. RPC handlers answer as soon as they are declared. */
  async run(): Promise<void> {
    for (const { producer, consumer } of this.consumers) {
      // The producer may not have started yet: provisioning is idempotent, so the consumer side does it too.
      await this.ensureStream(producer);
      await consumer.start();
    }
    this.relay.start();
    if (this.options.opsPort !== undefined) {
      this.ops = await startOpsServer({
        port: this.options.opsPort,
        logger: this.logger,
        checks: {
          postgres: async () => {
            await this.dataSource.query('SELECT 1');
          },
          nats: () => checkNats(this.nc),
        },
      });
    }
  }

  /** Graceful stop: readiness goes down, RPCs in flight finish, consumers and relay stop, connections close. */
  async stop(): Promise<void> {
    this.ops?.drain();
    await this.rpc.drain();
    await Promise.all(this.consumers.map(({ consumer }) => consumer.stop()));
    await this.relay.stop();
    await this.nc.drain().catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.ops?.close();
  }
}

/**
 * Nest providers for what the runtime owns, so that repositories, services and RPC adapters can inject
 * DataSource, RpcServer and OutboxRelay by class. Plain provider objects: this library stays Nest-free.
 */
export function runtimeProviders(runtime: ServiceRuntime) {
  return [
    { provide: ServiceRuntime, useValue: runtime },
    { provide: DataSource, useValue: runtime.dataSource },
    { provide: RpcServer, useValue: runtime.rpc },
    { provide: OutboxRelay, useValue: runtime.relay },
  ];
}
