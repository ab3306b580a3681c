import type { FinishedRequestHandler } from './observability';

/**
 * Names a sampled request's span after its operation when the request finishes
 * (either path): `query Can`, with `graphql.operation.name` and
 * `graphql.operation.type` as the semantic conventions have them, and which path
 * answered.
 */
export function annotateRequestSpan(next: FinishedRequestHandler): FinishedRequestHandler {
  return (context, outcome, durationMs, pipeline) => {
    const span = context.trace?.span;
    if (span) {
      const named = outcome.operationName && outcome.operationName !== 'anonymous' ? outcome.operationName : undefined;
      if (outcome.operationType) {
        span.updateName(named ? `${outcome.operationType} ${named}` : outcome.operationType);
        span.setAttribute('graphql.operation.type', outcome.operationType);
      }
      if (named) span.setAttribute('graphql.operation.name', named);
      span.setAttribute('authz.pipeline', pipeline);
      span.setAttribute('authz.outcome', outcome.outcome);
      if (outcome.errorCodes.length > 0) span.setAttribute('authz.error_codes', outcome.errorCodes);
    }
    next(context, outcome, durationMs, pipeline);
  };
}
