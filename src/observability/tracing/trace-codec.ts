import type { Attributes, AttributeValue, SpanKind } from '@opentelemetry/api';
import type { RemoteParent, SpanWire, TraceWire } from './trace-wire';

/**
 * Traces as one flat array of strings and numbers, the cheapest shape to copy to the
 * export worker (structured clone of nested objects costs the request thread about
 * twice as much). Attribute keys, which come from this code, are sent once and then
 * referred to by number; names and values are sent as they are.
 *
 * Per trace: traceId, remote parent (0 or [spanId, traceFlags, traceState]), span count;
 * per span: name, kind, parent, start, end, failed (0/1), error (0 or [name, message,
 * stack]), attribute count, then key, value for each (start attributes first, so a later
 * value of a key wins when decoded).
 */
export interface EncodedTraces {
  /** Keys new to the decoder, numbered after those it has. */
  readonly keys: string[];
  readonly data: unknown[];
}

/** Keys numbered at most; beyond, keys are sent as text (a bound, should anything name keys freely). */
const MAX_KEYS = 1024;

export class TraceEncoder {
  private readonly keys = new Map<string, number>();

  encode(traces: readonly TraceWire[]): EncodedTraces {
    const fresh: string[] = [];
    const key = (name: string): string | number => {
      let number = this.keys.get(name);
      if (number === undefined) {
        if (this.keys.size >= MAX_KEYS) return name;
        number = this.keys.size;
        this.keys.set(name, number);
        fresh.push(name);
      }
      return number;
    };
    const data: unknown[] = [];
    for (const trace of traces) {
      const remote = trace.remoteParent;
      data.push(trace.traceId, remote ? [remote.spanId, remote.traceFlags, remote.traceState ?? ''] : 0, trace.spans.length);
      for (const span of trace.spans) {
        const error = span.error ? [span.error.name, span.error.message, span.error.stack ?? ''] : 0;
        const count = data.push(span.name, span.kind, span.parent, span.start, span.end, span.failed ? 1 : 0, error, 0) - 1;
        let pairs = 0;
        const attributes = span.attributes;
        if (attributes) {
          for (const name in attributes) {
            const value = attributes[name];
            if (value === undefined) continue;
            data.push(key(name), value);
            pairs++;
          }
        }
        const more = span.more;
        if (more) {
          for (let i = 0; i < more.length; i += 2) data.push(key(more[i] as string), more[i + 1]);
          pairs += more.length / 2;
        }
        data[count] = pairs;
      }
    }
    return { keys: fresh, data };
  }
}

export class TraceDecoder {
  private readonly keys: string[] = [];

  decode(encoded: EncodedTraces): TraceWire[] {
    this.keys.push(...encoded.keys);
    const data = encoded.data;
    const traces: TraceWire[] = [];
    let at = 0;
    while (at < data.length) {
      const traceId = data[at++] as string;
      const remote = data[at++] as 0 | [string, number, string];
      const count = data[at++] as number;
      const spans: SpanWire[] = [];
      for (let s = 0; s < count; s++) {
        const span: SpanWire = { name: data[at] as string, kind: data[at + 1] as SpanKind, parent: data[at + 2] as number, start: data[at + 3] as number, end: data[at + 4] as number };
        if (data[at + 5] === 1) span.failed = true;
        const error = data[at + 6] as 0 | [string, string, string];
        if (error) span.error = { name: error[0], message: error[1], ...(error[2] ? { stack: error[2] } : {}) };
        const pairs = data[at + 7] as number;
        at += 8;
        if (pairs > 0) {
          const attributes: Attributes = {};
          for (let p = 0; p < pairs; p++, at += 2) {
            const key = data[at] as string | number;
            attributes[typeof key === 'number' ? this.keys[key]! : key] = data[at + 1] as AttributeValue;
          }
          span.attributes = attributes;
        }
        spans.push(span);
      }
      const trace: TraceWire = { traceId, spans };
      if (remote) trace.remoteParent = remoteParent(remote);
      traces.push(trace);
    }
    return traces;
  }
}

function remoteParent([spanId, traceFlags, traceState]: [string, number, string]): RemoteParent {
  return { spanId, traceFlags, ...(traceState ? { traceState } : {}) };
}
