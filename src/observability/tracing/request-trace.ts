import { type Attributes, SpanKind } from '@opentelemetry/api';
import type { PermissionSetSource } from '../../source/types';
import type { RecordedSpan } from './recorded-span';
import { endWhenSettled, type Tracing } from './tracing';

/**
 * One sampled request's trace, carried by the request's own objects (its GraphQL
 * context and its source chain, built per request) instead of async context: the root
 * span, the decisions open under it, and the parent of its loads. Only sampled
 * requests get one; everything below an unsampled root records nothing at all.
 */
export class RequestTrace {
  /** Decisions in progress, oldest first. */
  private readonly decisions: RecordedSpan[] = [];

  constructor(
    /** The request's SERVER span: the parent of its decisions and policy changes. */
    readonly span: RecordedSpan,
    readonly tracing: Tracing,
  ) {}

  /**
   * `decide` inside an `authz.decision` span under the root. The request's loads in the
   * meantime (L1 batches every decision of a tick into one) are parented by the oldest
   * open decision.
   */
  decision<T>(attributes: Attributes, decide: () => Promise<T>, describe: (result: T) => Attributes): Promise<T> {
    const span = this.span.child('authz.decision', SpanKind.INTERNAL, attributes);
    this.decisions.push(span);
    let running: Promise<T>;
    try {
      running = decide();
    } catch (error) {
      running = Promise.reject(error);
    }
    return endWhenSettled(span, running, describe, () => void this.decisions.splice(this.decisions.indexOf(span), 1));
  }

  /** This request's source (its deadline over the L2 -> store chain), with the spans of its loads parented here. */
  source(next: PermissionSetSource): PermissionSetSource {
    return { load: (requests) => this.tracing.loads.during(this.decisions[0] ?? this.span, requests, () => next.load(requests)) };
  }
}
