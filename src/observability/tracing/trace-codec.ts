import type { Attributes, AttributeValue, SpanKind } from '@opentelemetry/api';
import type { RemoteParent, SpanWire, TraceWire } from './trace-wire';

/**
 * Traces packed for the export worker: almost everything in one Float64Array (moved to
 * the worker, not copied), and the few values that are not numbers or known strings
 * in a short array beside it. Each trace is packed as it finishes, so between messages
 * the request thread holds no objects per span for the garbage collector to move.
 * Strings (span names, attribute keys and values) come from a small set: each is sent
 * once as text, then referred to by number, so a message is mostly numbers and its
 * structured clone copies a few values per trace, not every string of every span.
 *
 * A string reference `r`: r >= 0 is string number r (sent in `strings` of this message
 * or an earlier one); r < 0 is `values[-r - 1]` (a string sent as text: too long to
 * keep, or once the table is full). Everything else in `values` is referred to by its
 * index.
 *
 * numbers, per trace: span count, trace ID (index), remote parent (0/1), then its
 * trace flags, span ID (index) and trace state (index; '' if none) with one; per
 * span: kind, parent, start, end, failed (0/1), error (index of [name, message, stack,
 * code], or -1), name (reference), attribute count, then per attribute: key
 * (reference), value type, value, where the type says what the value is: a number, a
 * string reference, a boolean (0/1) or an index into `values` (an array); those at
 * the start first, so a later value of a key wins.
 */
export interface EncodedTraces {
  /** The number of the first of `strings`: the decoder must have exactly that many already (messages in order, none lost). */
  readonly firstString: number;
  /** Strings new to the decoder, numbered after those it has. */
  readonly strings: string[];
  readonly numbers: Float64Array<ArrayBuffer>;
  readonly values: unknown[];
}

const NUMBER = 0;
const STRING = 1;
const BOOLEAN = 2;
const VALUE = 3;

/** Strings numbered at most, and the longest numbered: a bound should anything name spans or values freely. */
const MAX_STRINGS = 4096;
const MAX_STRING_LENGTH = 256;
const INITIAL_NUMBERS = 8192;

export class TraceEncoder {
  private readonly stringNumbers = new Map<string, number>();
  private strings: string[] = [];
  private numbers: Float64Array<ArrayBuffer> = new Float64Array(INITIAL_NUMBERS);
  private used = 0;
  private values: unknown[] = [];

  /** Packs `trace` after those packed since the last `take`. */
  add(trace: TraceWire): void {
    const remote = trace.remoteParent;
    this.number(trace.spans.length);
    this.number(this.value(trace.traceId));
    if (remote) {
      this.number(1);
      this.number(remote.traceFlags);
      this.number(this.value(remote.spanId));
      this.number(this.value(remote.traceState ?? ''));
    } else this.number(0);
    for (const span of trace.spans) this.addSpan(span);
  }

  /** What was packed since the last call (a copy of the numbers, theirs to move), or undefined if nothing. */
  take(): EncodedTraces | undefined {
    if (this.used === 0) return undefined;
    const taken = { firstString: this.stringNumbers.size - this.strings.length, strings: this.strings, numbers: this.numbers.slice(0, this.used), values: this.values };
    this.strings = [];
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
    const error = span.error;
    this.number(error ? this.value([error.name, error.message, error.stack ?? '', error.code ?? '']) : -1);
    this.number(this.string(span.name));
    const count = this.used;
    this.number(0);
    let pairs = 0;
    const attributes = span.attributes;
    if (attributes) {
      for (const key in attributes) {
        const value = attributes[key];
        if (value === undefined) continue;
        this.attribute(key, value);
        pairs++;
      }
    }
    const more = span.more;
    if (more) {
      for (let i = 0; i < more.length; i += 2) this.attribute(more[i] as string, more[i + 1] as AttributeValue);
      pairs += more.length / 2;
    }
    this.numbers[count] = pairs;
  }

  private attribute(key: string, value: AttributeValue): void {
    this.number(this.string(key));
    if (typeof value === 'number') {
      this.number(NUMBER);
      this.number(value);
    } else if (typeof value === 'string') {
      this.number(STRING);
      this.number(this.string(value));
    } else if (typeof value === 'boolean') {
      this.number(BOOLEAN);
      this.number(value ? 1 : 0);
    } else {
      this.number(VALUE);
      this.number(this.value(value));
    }
  }

  private number(value: number): void {
    if (this.used === this.numbers.length) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    this.numbers[this.used++] = value;
  }

  /** The index of `value` in `values`. */
  private value(value: unknown): number {
    return this.values.push(value) - 1;
  }

  /** The reference of `text`: its number, numbered now if it is new and the table has room; else sent as text. */
  private string(text: string): number {
    let number = this.stringNumbers.get(text);
    if (number === undefined) {
      if (this.stringNumbers.size >= MAX_STRINGS || text.length > MAX_STRING_LENGTH) return -this.values.push(text);
      number = this.stringNumbers.size;
      this.stringNumbers.set(text, number);
      this.strings.push(text);
    }
    return number;
  }
}

export class TraceDecoder {
  private readonly strings: string[] = [];

  /** @throws Error when a message was lost or came out of order (its strings would be misnumbered). */
  decode(encoded: EncodedTraces): TraceWire[] {
    if (encoded.firstString !== this.strings.length) throw new Error(`trace message out of step: its strings start at ${encoded.firstString}, ${this.strings.length} known`);
    for (const text of encoded.strings) this.strings.push(text);
    const { numbers, values } = encoded;
    const traces: TraceWire[] = [];
    let n = 0;
    while (n < numbers.length) {
      const count = numbers[n]!;
      const trace: TraceWire = { traceId: values[numbers[n + 1]!] as string, spans: [] };
      const remote = numbers[n + 2] === 1;
      n += 3;
      if (remote) {
        trace.remoteParent = remoteParent(values[numbers[n + 1]!] as string, numbers[n]!, values[numbers[n + 2]!] as string);
        n += 3;
      }
      for (let s = 0; s < count; s++) {
        const span: SpanWire = { kind: numbers[n] as SpanKind, parent: numbers[n + 1]!, start: numbers[n + 2]!, end: numbers[n + 3]!, name: '' };
        if (numbers[n + 4] === 1) span.failed = true;
        if (numbers[n + 5]! >= 0) {
          const error = values[numbers[n + 5]!] as [string, string, string, string];
          span.error = { name: error[0], message: error[1], ...(error[2] ? { stack: error[2] } : {}), ...(error[3] ? { code: error[3] } : {}) };
        }
        span.name = this.string(numbers[n + 6]!, values);
        const pairs = numbers[n + 7]!;
        n += 8;
        if (pairs > 0) {
          const attributes: Attributes = {};
          for (let p = 0; p < pairs; p++, n += 3) attributes[this.string(numbers[n]!, values)] = this.value(numbers[n + 1]!, numbers[n + 2]!, values);
          span.attributes = attributes;
        }
        trace.spans.push(span);
      }
      traces.push(trace);
    }
    return traces;
  }

  private string(reference: number, values: readonly unknown[]): string {
    return reference >= 0 ? this.strings[reference]! : (values[-reference - 1] as string);
  }

  private value(type: number, value: number, values: readonly unknown[]): AttributeValue {
    if (type === NUMBER) return value;
    if (type === STRING) return this.string(value, values);
    if (type === BOOLEAN) return value === 1;
    return values[value] as AttributeValue;
  }
}

function remoteParent(spanId: string, traceFlags: number, traceState: string): RemoteParent {
  return { spanId, traceFlags, ...(traceState ? { traceState } : {}) };
}
