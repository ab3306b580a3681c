import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthenticatedError } from '../auth/errors';
import { requireMayAskAbout } from '../auth/scopes';
import type { Caller, CallerAuthenticator } from '../auth/types';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authenticating preHandler of routes that need a caller. */
    caller?: Caller;
  }
}
import type { DecisionService, PermissionReader } from '../authz/decision-service';
import { InvalidInputError, StoreUnavailableError } from '../authz/errors';
import { statusEvents } from '../observability/cache-events';
import type { Logger } from '../observability/logger';
import type { Admission } from './admission';
import { errorBody } from './error-body';

/** The REST compatibility check route (under admission and load shedding). */
export const REST_CHECK_PATH = '/api/v1/authorization/check';

const STATUS_NAMES = { L1_HIT: 'l1_cache_hit', L2_HIT: 'l2_cache_hit', MISS: 'cache_miss', DISABLED: 'cache_disabled', DEGRADED: 'degraded' } as const;

/**
 * The old service's endpoint, for clients not yet on GraphQL:
 * `POST /api/v1/authorization/check {"user_id","org_id","permission"}` ->
 * `{"allowed": bool, "cache_status": "l2_cache_hit" | ...}`, through the same decision
 * path (and a fresh L1) as GraphQL, under the same admission control (weight 1).
 * Errors come in the one error shape (`errors[0].extensions.code`) and, for the clients
 * of this endpoint's earlier versions, also as `error: {code, message}` (error-body.ts).
 * Each answered check writes one log line (`event: rest_request`, info) with its cache
 * status and the L2 event behind it in `cacheEvents` (the old service's names, which its
 * runbook greps for); the user, organization and permission asked about are not logged.
 */
export function registerRestCompat(
  app: FastifyInstance,
  deps: { decisions: DecisionService; newReader: () => PermissionReader; logger: Logger; authenticator: CallerAuthenticator; admission?: Admission },
): void {
  // Authenticate before looking at the body: without credentials the answer is 401.
  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      request.caller = await deps.authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        deps.logger.info({ event: 'authz_auth_failed', reason: error.message, traceId: request.id }, 'request not authenticated');
        return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody(request.url, 'UNAUTHENTICATED', error.message));
      }
      deps.logger.error({ err: error, traceId: request.id }, 'authentication failed');
      return reply.code(503).send(errorBody(request.url, 'AUTHZ_UNAVAILABLE', UNAVAILABLE, { traceId: request.id }));
    }
  };
  app.post(REST_CHECK_PATH, { preHandler: authenticate, ...(deps.admission ? { onRequest: deps.admission.refuseEarly('rest') } : {}) }, async (request, reply) =>
    deps.admission ? deps.admission.run('rest', 1, request, reply, () => check(request, reply)) : check(request, reply),
  );
  const check = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as Record<string, unknown> | null;
    const fields = ['user_id', 'org_id', 'permission'] as const;
    const missing = fields.filter((f) => typeof body?.[f] !== 'string');
    if (!body || typeof body !== 'object' || missing.length > 0) {
      return reply.code(400).send(errorBody(request.url, 'BAD_USER_INPUT', `expected a JSON object with string fields ${missing.join(', ') || fields.join(', ')}`));
    }
    const started = performance.now();
    try {
      // Same scopes as GraphQL: authz:check, or authz:check:self for one's own ID.
      requireMayAskAbout(request.caller!, [body.user_id as string]);
      const decision = await deps.decisions.can(deps.newReader(), {
        userId: body.user_id as string,
        orgId: body.org_id as string,
        permission: body.permission as string,
      });
      deps.logger.info(
        {
          traceId: request.id,
          caller: request.caller!.name,
          event: 'rest_request',
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          cacheStatus: STATUS_NAMES[decision.cacheStatus],
          cacheEvents: statusEvents(decision.cacheStatus),
        },
        'rest_request',
      );
      return { allowed: decision.allowed, cache_status: STATUS_NAMES[decision.cacheStatus] };
    } catch (error) {
      if (error instanceof InvalidInputError) return reply.code(400).send(errorBody(request.url, 'BAD_USER_INPUT', error.message));
      if (error instanceof ForbiddenError) return reply.code(403).send(errorBody(request.url, 'FORBIDDEN', error.message));
      deps.logger.error({ err: error, traceId: request.id }, 'authorization check failed');
      const unavailable = error instanceof StoreUnavailableError;
      return reply
        .code(unavailable ? 503 : 500)
        .send(unavailable ? errorBody(request.url, 'AUTHZ_UNAVAILABLE', UNAVAILABLE, { traceId: request.id }) : errorBody(request.url, 'INTERNAL_SERVER_ERROR', 'Internal server error', { traceId: request.id }));
    }
  };
}

const UNAVAILABLE = 'Authorization data is temporarily unavailable; no decision was made.';
