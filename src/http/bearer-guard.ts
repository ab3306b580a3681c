import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';

/**
 * A Fastify preHandler for operational endpoints (`/ready`, `/metrics`): with a token
 * (METRICS_TOKEN) they need `Authorization: Bearer <token>`, else 401; with null they
 * stay open. Attach it as `app.get('/metrics', { preHandler: bearerGuard(token) }, ...)`.
 * The comparison is constant-time over hashes, so neither content nor length leaks.
 */
export function bearerGuard(token: string | null): preHandlerAsyncHookHandler {
  const expected = token === null ? null : digest(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (expected === null) return;
    const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(request.headers.authorization ?? '');
    if (match && timingSafeEqual(digest(match[1]!), expected)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({ errors: [{ message: 'Missing or invalid credentials', extensions: { code: 'UNAUTHENTICATED' } }] });
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
