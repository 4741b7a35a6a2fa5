/**
 * OpenTelemetry spans of the publish path, through `@opentelemetry/api` only: without an SDK
 * registered by the application (`NodeTracerProvider`, an exporter) nothing is created — one
 * check per publish and per fan-out, no span objects. With one:
 *
 *   herald.publish {topic}        PRODUCER; child of the publisher's `traceparent` (HTTP header,
 *   ├─ herald.stage {name}          WebSocket `publish` frame) when it sent one
 *   ├─ herald.stage pipeline > herald.stage {validate|verify|dedup|enrich|route}
 *   └─ herald.broker.commit       sequencing, history, idempotency (the store commit when durable)
 *   herald.deliver {topic}        CONSUMER; one per event and node, around the fan-out to that
 *                                 node's subscribers, parented by the event's `traceparent`
 *
 * The publish span's context travels on the event as `traceparent` (in memory and Redis history
 * and in the frames subscribers receive), so the delivery on every node joins the trace.
 */

import { HeraldError, type HeraldEvent, isTraceparent } from "@herald/protocol";
import {
  type Context,
  context,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { VERSION } from "../version.js";

const tracer = () => trace.getTracer("@herald/server", VERSION);
/** The no-op provider the API falls back to when no SDK is registered. */
const NOOP = new ProxyTracerProvider().getDelegate();

/** True when an OpenTelemetry SDK is registered (spans would be recorded). */
export function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP;
}

/** The `traceparent` of a request header, when it is a valid W3C trace context (else ignored, as the spec says). */
export function traceparentHeader(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return isTraceparent(v) ? v : undefined;
}

/** The parent context a `traceparent` names (parsed here, so no propagator needs registering). */
function parentOf(traceparent: string | undefined): Context {
  if (traceparent === undefined || !isTraceparent(traceparent)) return context.active();
  const [, traceId, spanId, flags] = traceparent.split("-") as [string, string, string, string];
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
  });
}

/** The `traceparent` of `span`, to carry on the event. */
function traceparentOf(span: Span): string {
  const sc = span.spanContext();
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, "0")}`;
}

function fail(span: Span, err: unknown): void {
  span.recordException(err as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
  if (err instanceof HeraldError) span.setAttribute("herald.error.code", err.code);
}

/**
 * Runs `work` inside a `herald.publish` span (child of `request.traceparent` when given); the
 * request handed to `work` carries the span's own trace context.
 */
export async function tracePublish<R extends { topic: string; traceparent?: string }, T>(
  request: R,
  origin: string,
  work: (request: R) => Promise<T & { event: HeraldEvent; duplicate: boolean }>,
): Promise<T & { event: HeraldEvent; duplicate: boolean }> {
  const attributes = {
    "messaging.system": "herald",
    "messaging.destination.name": request.topic,
    "herald.origin": origin,
  };
  return tracer().startActiveSpan(
    `herald.publish ${request.topic}`,
    { kind: SpanKind.PRODUCER, attributes },
    parentOf(request.traceparent),
    async (span) => {
      try {
        const out = await work({ ...request, traceparent: traceparentOf(span) });
        span.setAttribute("herald.event.id", out.event.id);
        span.setAttribute("herald.seq", out.event.seq);
        span.setAttribute("herald.duplicate", out.duplicate);
        return out;
      } catch (err) {
        fail(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** Runs `work` in a child span `name` of the active context (a stage, the broker commit). */
export function traceStep<T>(name: string, work: () => T): T {
  const span = tracer().startSpan(name, {}, context.active());
  const ctx = trace.setSpan(context.active(), span);
  let result: T;
  try {
    result = context.with(ctx, work);
  } catch (err) {
    fail(span, err);
    span.end();
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (v) => {
        span.end();
        return v;
      },
      (err: unknown) => {
        fail(span, err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** A `herald.deliver` span around this node's fan-out of `event`, parented by its `traceparent`. */
export function traceDelivery(event: HeraldEvent, dispatch: () => number): number {
  const span = tracer().startSpan(
    `herald.deliver ${event.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "herald",
        "messaging.destination.name": event.topic,
        "herald.event.id": event.id,
        "herald.seq": event.seq,
      },
    },
    parentOf(event.traceparent),
  );
  try {
    const n = dispatch();
    span.setAttribute("herald.recipients", n);
    return n;
  } finally {
    span.end();
  }
}
