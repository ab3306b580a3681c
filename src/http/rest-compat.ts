import type { FastifyInstance } from 'fastify';
import type { DecisionService, PermissionReader } from '../authz/decision-service';
import { InvalidInputError, StoreUnavailableError } from '../authz/errors';
import type { Logger } from '../observability/logger';

const STATUS_NAMES = { L1_HIT: 'l1_cache_hit', L2_HIT: 'l2_cache_hit', MISS: 'cache_miss', DISABLED: 'cache_disabled', DEGRADED: 'degraded' } as const;

/**
 * The old service's endpoint, for clients not yet on GraphQL:
 * `POST /api/v1/authorization/check {"user_id","org_id","permission"}` ->
 * `{"allowed": bool, "cache_status": "l2_cache_hit" | ...}`, through the same decision
 * path (and a fresh L1) as GraphQL.
 */
export function registerRestCompat(
  app: FastifyInstance,
  deps: { decisions: DecisionService; newReader: () => PermissionReader; logger: Logger },
): void {
  app.post('/api/v1/authorization/check', async (request, reply) => {
    const body = request.body as Record<string, unknown> | null;
    const fields = ['user_id', 'org_id', 'permission'] as const;
    const missing = fields.filter((f) => typeof body?.[f] !== 'string');
    if (!body || typeof body !== 'object' || missing.length > 0) {
      return reply.code(400).send({
        error: { code: 'BAD_USER_INPUT', message: `expected a JSON object with string fields ${missing.join(', ') || fields.join(', ')}` },
      });
    }
    try {
      const decision = await deps.decisions.can(deps.newReader(), {
        userId: body.user_id as string,
        orgId: body.org_id as string,
        permission: body.permission as string,
      });
      return { allowed: decision.allowed, cache_status: STATUS_NAMES[decision.cacheStatus] };
    } catch (error) {
      if (error instanceof InvalidInputError) return reply.code(400).send({ error: { code: 'BAD_USER_INPUT', message: error.message } });
      deps.logger.error({ err: error, traceId: request.id }, 'authorization check failed');
      const unavailable = error instanceof StoreUnavailableError;
      return reply.code(unavailable ? 503 : 500).send({
        error: unavailable
          ? { code: 'AUTHZ_UNAVAILABLE', message: 'Authorization data is temporarily unavailable; no decision was made.' }
          : { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', traceId: request.id },
      });
    }
  });
}
