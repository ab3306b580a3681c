import type { Attributes, AttributeValue, SpanKind } from '@opentelemetry/api';

/** The caller's span a trace continues (from its `traceparent`): the root's remote parent. */
export interface RemoteParent {
  readonly spanId: string;
  readonly traceFlags: number;
  /** The `tracestate` header as received, if any. */
  readonly traceState?: string;
}

/**
 * A finished trace, as plain data (trace-codec.ts packs it for the export worker).
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
  /** Attributes at the start. */
  attributes?: Attributes;
  /** Attributes set later, as key, value, key, value... (a later value of a key wins). */
  more?: Array<string | AttributeValue>;
  /** Status ERROR. */
  failed?: true;
  /** Recorded as the span's exception event (type: `code` if any, else `name`). */
  error?: { name: string; message: string; stack?: string; code?: string };
}

/** Every attribute of a span: those at the start, then those set later (a later value of a key wins). */
export function allAttributes(span: SpanWire): Attributes | undefined {
  const more = span.more;
  if (!more) return span.attributes;
  const attributes: Attributes = { ...span.attributes };
  for (let i = 0; i < more.length; i += 2) attributes[more[i] as string] = more[i + 1] as AttributeValue;
  return attributes;
}
