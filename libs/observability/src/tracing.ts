import {
  context,
  propagation,
  trace,
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
} from '@opentelemetry/api';

export { SpanKind, SpanStatusCode, context, trace, type Span };

/** The tracer the platform's own spans (messaging, use cases) are created with. */
export const tracer = trace.getTracer('linli');

type Carrier = { get(key: string): string | undefined; set(key: string, value: string): void };

/** Writes the active trace context (W3C traceparent/tracestate) into message headers. */
export function injectTraceContext(headers: Carrier, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers, {
    set: (carrier, key, value) => carrier.set(key, value),
  });
}

/** Reads a trace context from message headers. */
export function extractTraceContext(headers: Carrier | undefined): Context {
  if (!headers) return context.active();
  return propagation.extract(context.active(), headers, {
    get: (carrier, key) => carrier.get(key) || undefined,
    keys: () => ['traceparent', 'tracestate'],
  });
}

/** The W3C traceparent of the active span, if any. */
export function currentTraceparent(): string | undefined {
  const map = new Map<string, string>();
  injectTraceContext({ get: (k) => map.get(k), set: (k, v) => map.set(k, v) });
  return map.get('traceparent');
}

/** Runs fn in a new span that ends with fn, recording an exception as the span's error status. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind, attributes: options.attributes },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (e) {
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        throw e;
      } finally {
        span.end();
      }
    },
  );
}
