import { type Attributes, type Context, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { PermissionSetSource } from '../../source/types';
import { endWhenSettled, type Tracing } from './tracing';

/**
 * One sampled request's trace, carried by the request's own objects (its GraphQL
 * context and its source chain, built per request) instead of async context: the root
 * span, the decisions open under it, and the parent of its loads. Only sampled
 * requests get one; everything below an unsampled root does no span work at all.
 */
export class RequestTrace {
  /** The root span's context: the parent of the request's decisions and policy changes. */
  readonly context: Context;
  /** Decisions in progress, oldest first. */
  private readonly decisions: Context[] = [];

  constructor(
    /** The request's SERVER span (recording). */
    readonly span: Span,
    readonly tracing: Tracing,
  ) {
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  /**
   * `decide` inside an `authz.decision` span under the root. The request's loads in the
   * meantime (L1 batches every decision of a tick into one) are parented by the oldest
   * open decision.
   */
  decision<T>(attributes: Attributes, decide: () => Promise<T>, describe: (result: T) => Attributes): Promise<T> {
    const span = this.tracing.startChild(this.context, 'authz.decision', SpanKind.INTERNAL, attributes);
    const context = trace.setSpan(this.context, span);
    this.decisions.push(context);
    let running: Promise<T>;
    try {
      running = decide();
    } catch (error) {
      running = Promise.reject(error);
    }
    return endWhenSettled(span, running, describe, () => void this.decisions.splice(this.decisions.indexOf(context), 1));
  }

  /** This request's source (its deadline over the L2 -> store chain), with the spans of its loads parented here. */
  source(next: PermissionSetSource): PermissionSetSource {
    return { load: (requests) => this.tracing.loads.during(this.decisions[0] ?? this.context, requests, () => next.load(requests)) };
  }
}
