import type { CallerAuthenticator, Caller } from '../auth/types';
import type { Logger } from '../observability/logger';
import { toRequestError } from './errors';

/**
 * Authenticates a GraphQL request in the context factory, before any resolver runs: a
 * failure ends the request with UNAUTHENTICATED (401) or AUTHZ_UNAVAILABLE (503).
 * Failures are logged with their reason, never with the credential. The logger is built
 * only when something is logged: a pino child per request is a cost on every request,
 * and at LOG_LEVEL=info a success logs nothing.
 */
export async function authenticateGraphQLRequest(
  authenticator: CallerAuthenticator,
  authorization: string | undefined,
  logger: Logger,
  traceId: string,
): Promise<Caller> {
  try {
    const caller = await authenticator.authenticate(authorization);
    if (logger.isLevelEnabled('debug')) logger.child({ traceId }).debug({ event: 'authz_caller', caller: caller.name, kind: caller.kind }, 'request authenticated');
    return caller;
  } catch (error) {
    logger.child({ traceId }).info({ event: 'authz_auth_failed', reason: error instanceof Error ? error.message : String(error) }, 'request not authenticated');
    throw toRequestError(error);
  }
}
