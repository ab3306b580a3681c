import type { Attributes, AttributeValue, SpanKind } from '@opentelemetry/api';
import type { RemoteParent, SpanWire, TraceWire } from './trace-wire';

/**
 * Traces packed for the export worker: the numbers in one Float64Array (moved to the
 * worker), the strings and attribute values in one flat array. Each trace
 * is packed as it finishes, so between messages the request thread holds no objects
 * per span for the garbage collector to move, and copying one flat array costs a
 * fraction of a structured clone of the spans as objects. Attribute keys, which come
 * from this code, are sent once and then referred to by number.
 *
 * numbers, per trace: span count, has remote parent (0/1); per span: kind, parent,
 * start, end, failed (0/1), attribute count.
 * values, per trace: traceId, then spanId, traceFlags, traceState ('' if none) with a
 * remote parent; per span: name, error (0 or [name, message, stack, code]), then key, value
 * for each attribute (those at the start first, so a later value of a key wins).
 */
export interface EncodedTraces {
  /** Keys new to the decoder, numbered after those it has. */
  readonly keys: string[];
  readonly numbers: Float64Array<ArrayBuffer>;
  readonly values: unknown[];
}

/** Keys numbered at most; beyond, keys are sent as text (a bound, should anything name keys freely). */
const MAX_KEYS = 1024;
const INITIAL_NUMBERS = 4096;

export class TraceEncoder {
  private readonly keyNumbers = new Map<string, number>();
  private keys: string[] = [];
  private numbers: Float64Array<ArrayBuffer> = new Float64Array(INITIAL_NUMBERS);
  private used = 0;
  private values: unknown[] = [];

  /** Packs `trace` after those packed since the last `take`. */
  add(trace: TraceWire): void {
    const remote = trace.remoteParent;
    this.number(trace.spans.length);
    this.number(remote ? 1 : 0);
    this.values.push(trace.traceId);
    if (remote) this.values.push(remote.spanId, remote.traceFlags, remote.traceState ?? '');
    for (const span of trace.spans) this.addSpan(span);
  }

  /** What was packed since the last call (a copy of the numbers, theirs to move), or undefined if nothing. */
  take(): EncodedTraces | undefined {
    if (this.used === 0) return undefined;
    const taken = { keys: this.keys, numbers: this.numbers.slice(0, this.used), values: this.values };
    this.keys = [];
    this.used = 0;
    this.values = [];
    return taken;
  }

  private addSpan(span: SpanWire): void {
    this.number(span.kind);
    this.number(span.parent);
    this.number(span.start);
    this.number(span.end);
    this.number(span.failed ? 1 : 0);
    const count = this.used;
    this.number(0);
    const values = this.values;
    values.push(span.name, span.error ? [span.error.name, span.error.message, span.error.stack ?? '', span.error.code ?? ''] : 0);
    let pairs = 0;
    const attributes = span.attributes;
    if (attributes) {
      for (const name in attributes) {
        const value = attributes[name];
        if (value === undefined) continue;
        values.push(this.key(name), value);
        pairs++;
      }
    }
    const more = span.more;
    if (more) {
      for (let i = 0; i < more.length; i += 2) values.push(this.key(more[i] as string), more[i + 1]);
      pairs += more.length / 2;
    }
    this.numbers[count] = pairs;
  }

  private number(value: number): void {
    if (this.used === this.numbers.length) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    this.numbers[this.used++] = value;
  }

  private key(name: string): string | number {
    let number = this.keyNumbers.get(name);
    if (number === undefined) {
      if (this.keyNumbers.size >= MAX_KEYS) return name;
      number = this.keyNumbers.size;
      this.keyNumbers.set(name, number);
      this.keys.push(name);
    }
    return number;
  }
}

export class TraceDecoder {
  private readonly keys: string[] = [];

  decode(encoded: EncodedTraces): TraceWire[] {
    this.keys.push(...encoded.keys);
    const { numbers, values } = encoded;
    const traces: TraceWire[] = [];
    let n = 0;
    let v = 0;
    while (n < numbers.length) {
      const count = numbers[n++]!;
      const remote = numbers[n++] === 1;
      const trace: TraceWire = { traceId: values[v++] as string, spans: [] };
      if (remote) {
        trace.remoteParent = remoteParent(values[v] as string, values[v + 1] as number, values[v + 2] as string);
        v += 3;
      }
      for (let s = 0; s < count; s++) {
        const span: SpanWire = { kind: numbers[n] as SpanKind, parent: numbers[n + 1]!, start: numbers[n + 2]!, end: numbers[n + 3]!, name: values[v] as string };
        if (numbers[n + 4] === 1) span.failed = true;
        const pairs = numbers[n + 5]!;
        n += 6;
        const error = values[v + 1] as 0 | [string, string, string, string];
        if (error) span.error = { name: error[0], message: error[1], ...(error[2] ? { stack: error[2] } : {}), ...(error[3] ? { code: error[3] } : {}) };
        v += 2;
        if (pairs > 0) {
          const attributes: Attributes = {};
          for (let p = 0; p < pairs; p++, v += 2) {
            const key = values[v] as string | number;
            attributes[typeof key === 'number' ? this.keys[key]! : key] = values[v + 1] as AttributeValue;
          }
          span.attributes = attributes;
        }
        trace.spans.push(span);
      }
      traces.push(trace);
    }
    return traces;
  }
}

function remoteParent(spanId: string, traceFlags: number, traceState: string): RemoteParent {
  return { spanId, traceFlags, ...(traceState ? { traceState } : {}) };
}
