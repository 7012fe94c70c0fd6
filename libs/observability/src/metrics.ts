import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process's Prometheus registry; /metrics serves it. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function histogram(name: string, help: string, labelNames: string[]): Histogram<string> {
  return (
    (metricsRegistry.getSingleMetric(name) as Histogram<string> | undefined) ??
    new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [metricsRegistry] })
  );
}

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (
    (metricsRegistry.getSingleMetric(name) as Counter<string> | undefined) ??
    new Counter({ name, help, labelNames, registers: [metricsRegistry] })
  );
}

function gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
  return (
    (metricsRegistry.getSingleMetric(name) as Gauge<string> | undefined) ??
    new Gauge({ name, help, labelNames, registers: [metricsRegistry] })
  );
}

/** The platform's own metrics, shared by every process. */
export const platformMetrics = {
  httpRequestDuration: histogram('http_request_duration_seconds', 'HTTP requests served by the gateway', [
    'method',
    'route',
    'status',
  ]),
  rpcServerDuration: histogram('linli_rpc_server_duration_seconds', 'RPCs handled, by subject and outcome', [
    'subject',
    'outcome',
  ]),
  rpcClientDuration: histogram('linli_rpc_client_duration_seconds', 'RPCs sent, by subject and outcome', [
    'subject',
    'outcome',
  ]),
  outboxPending: gauge('linli_outbox_pending', 'Outbox rows not yet published', ['service']),
  outboxPublished: counter('linli_outbox_published_total', 'Outbox rows published to JetStream', ['service']),
  consumerProcessed: counter('linli_consumer_processed_total', 'Events handled by a durable consumer', [
    'consumer',
    'outcome',
  ]),
  consumerRedeliveries: counter('linli_consumer_redeliveries_total', 'Events delivered more than once', [
    'consumer',
  ]),
  consumerDeadLettered: counter('linli_consumer_dead_lettered_total', 'Events given up and dead-lettered', [
    'consumer',
  ]),
};
