import type { FastifyInstance } from 'fastify';
import { errorBody, HttpErrorCode } from './error-body';

/**
 * Unknown routes in the one error shape: 405 METHOD_NOT_ALLOWED (with `Allow`) when the
 * path exists for other methods, else 404 NOT_FOUND. Call before routes are added: the
 * exact paths and their methods are collected as routes register.
 */
export function registerNotFound(app: FastifyInstance): void {
  const methods = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const set = methods.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) set.add(method);
    methods.set(route.url, set);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0]!;
    const allowed = methods.get(path);
    if (allowed && !allowed.has(request.method)) {
      return reply
        .code(405)
        .header('allow', [...allowed].sort().join(', '))
        .send(errorBody(request.url, HttpErrorCode.METHOD_NOT_ALLOWED, `${request.method} is not allowed on ${path} (allowed: ${[...allowed].sort().join(', ')})`));
    }
    return reply.code(404).send(errorBody(request.url, HttpErrorCode.NOT_FOUND, `No route ${request.method} ${path}`));
  });
}
