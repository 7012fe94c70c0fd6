import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';

/**
 * Starts the OpenTelemetry SDK (http, fastify, pg, pino … auto-instrumentation; W3C propagation).
 * ESM modules are only instrumented through the import-in-the-middle loader hook, registered here before the
 * SDK (and so before the app) loads. Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set;
 * otherwise they are still created (trace ids appear in logs and travel in NATS headers) but not exported.
 * Call it from the app's instrument.ts, loaded with `node --import` before anything else.
 */
export async function startTelemetry(serviceName: string): Promise<{ shutdown(): Promise<void> }> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const [
    { NodeSDK },
    { getNodeAutoInstrumentations },
    { OTLPTraceExporter },
    { BatchSpanProcessor, NoopSpanProcessor },
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/auto-instrumentations-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/sdk-trace'),
  ]);
  const exporting = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const sdk = new NodeSDK({
    serviceName,
    // No exporter configured: a no-op processor, so spans (and trace ids) exist without the SDK's default OTLP exporter.
    spanProcessors: exporting
      ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })]
      : [new NoopSpanProcessor()],
    instrumentations: [
      getNodeAutoInstrumentations({
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        // The pg instrumentation records statements with placeholders, never bound values.
        '@opentelemetry/instrumentation-pg': { enhancedDatabaseReporting: false },
      }),
    ],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();
  return sdk;
}
