// Loaded with `node --import` before the service so that http, pg and friends are instrumented.
import { startTelemetry } from '@linli/observability/sdk';

await startTelemetry(process.env.OTEL_SERVICE_NAME ?? 'linli-org');
