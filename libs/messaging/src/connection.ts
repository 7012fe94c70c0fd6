import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@linli/observability';

export type { NatsConnection };

/** Connects to NATS with reconnects for ever; logs status changes. */
export async function connectNats(options: {
  servers: string;
  name: string;
  logger?: Logger;
}): Promise<NatsConnection> {
  const nc = await connect({
    servers: options.servers.split(','),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  if (options.logger) {
    const logger = options.logger;
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
          logger.warn({ nats: s.type }, 'nats connection status changed');
        }
      }
    })();
  }
  return nc;
}

/** Readiness check: the connection is open and the server answers a round trip. */
export async function checkNats(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) throw new Error('nats connection closed');
  await nc.rtt();
}
