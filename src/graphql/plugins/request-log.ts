import { cacheEvents } from '../../observability/cache-events';
import type { Logger } from '../../observability/logger';
import type { GraphQLContext } from '../context';
import type { RequestOutcome } from './request-outcome';

/** Writes the log line of one finished GraphQL request; `pipeline` says who ran it. */
export type LogRequest = (context: GraphQLContext, outcome: RequestOutcome, durationMs: number, pipeline: 'prepared' | 'apollo') => void;

/**
 * One JSON log line per GraphQL request (`event: graphql_request`, level info) with the
 * trace ID echoed in `x-request-id` and `extensions.authz.traceId`, the caller's name,
 * operation, duration, cache counts, outcome, and `pipeline`: `prepared` (a compiled
 * repeated query) or `apollo`. `cacheEvents` names the L2 events behind the request's
 * answers with the old service's event names (`authz_l2_cache_hit`, ...; see
 * cache-events.ts), so that its runbook's greps and Loki line filters find them at
 * info without a second line per request; absent when there is none. Variables and
 * query text are never logged (they may hold user IDs an operator need not see).
 *
 * The line is written by one logger made at start, not a child per request, and
 * without pino's redaction: it holds only the fields above, none of them a credential.
 * A child per request plus redaction costs about twice as much per line
 * (docs/benchmarks.md). Every other log line keeps the redaction.
 */
export function requestLogWriter(logger: Logger): LogRequest {
  const log = logger.child({}, { redact: { paths: [] } });
  return (context, outcome, durationMs, pipeline) => {
    const counts = context.counts;
    log.info(
      {
        traceId: context.traceId,
        caller: context.caller.name,
        event: 'graphql_request',
        operationName: outcome.operationName,
        operationType: outcome.operationType,
        durationMs: Math.round(durationMs * 1000) / 1000,
        cache: { ...counts.toJSON(), disabled: counts.disabled },
        // Undefined (no event) leaves the field out of the line.
        cacheEvents: cacheEvents(counts, counts.consistency === 'FULLY_CONSISTENT'),
        outcome: outcome.outcome,
        pipeline,
        ...(outcome.errorCodes.length > 0 ? { errorCodes: outcome.errorCodes } : {}),
      },
      'graphql_request',
    );
  };
}
