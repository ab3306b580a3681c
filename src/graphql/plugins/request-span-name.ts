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
      if (outcome.operationType) span.updateName(outcome.operationName && outcome.operationName !== 'anonymous' ? `${outcome.operationType} ${outcome.operationName}` : outcome.operationType);
      span.setAttributes({
        ...(outcome.operationName && outcome.operationName !== 'anonymous' ? { 'graphql.operation.name': outcome.operationName } : {}),
        ...(outcome.operationType ? { 'graphql.operation.type': outcome.operationType } : {}),
        'authz.pipeline': pipeline,
        'authz.outcome': outcome.outcome,
      });
      if (outcome.errorCodes.length > 0) span.setAttribute('authz.error_codes', outcome.errorCodes);
    }
    next(context, outcome, durationMs, pipeline);
  };
}
