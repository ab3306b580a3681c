import type { Attributes, SpanKind } from '@opentelemetry/api';

/** The caller's span a trace continues (from its `traceparent`): the root's remote parent. */
export interface RemoteParent {
  readonly spanId: string;
  readonly traceFlags: number;
  /** The `tracestate` header as received, if any. */
  readonly traceState?: string;
}

/**
 * A finished trace as sent to the export worker (structured clone: plain data only).
 * Times are wall-clock milliseconds since the epoch; `parent` is the index of the
 * parent span in `spans` (-1: the root, whose parent is `remoteParent` or none).
 */
export interface TraceWire {
  traceId: string;
  remoteParent?: RemoteParent;
  spans: SpanWire[];
}

export interface SpanWire {
  name: string;
  kind: SpanKind;
  parent: number;
  start: number;
  end: number;
  attributes?: Attributes;
  /** Status ERROR. */
  failed?: true;
  /** Recorded as the span's exception event. */
  error?: { name: string; message: string; stack?: string };
}

/** Messages from the gateway to its export worker. */
export type ToWorker = { type: 'traces'; traces: TraceWire[] } | { type: 'shutdown' };

/** Messages from the export worker: spans that never reached the collector, acknowledgements, and the end of shutdown. */
export type FromWorker =
  | { type: 'dropped'; count: number; reason: 'queue_full' | 'export_failed' }
  | { type: 'taken'; spans: number }
  | { type: 'closed' };
