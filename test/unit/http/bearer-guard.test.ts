import Fastify from 'fastify';
import { bearerGuard } from '../../../src/http/bearer-guard';

/**
 * The METRICS_TOKEN seam for /ready and /metrics, on a route of the test's own, over a
 * real socket (Fastify's inject needs an ESM-only module jest cannot load here).
 */
async function app(token: string | null) {
  const server = Fastify();
  server.get('/metrics', { preHandler: bearerGuard(token) }, async () => 'ok 1\n');
  const base = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    inject: async ({ url, headers }: { url: string; headers?: Record<string, string> }) => {
      const response = await fetch(`${base}${url}`, { headers });
      const body = await response.text();
      return { statusCode: response.status, body, json: () => JSON.parse(body) };
    },
    close: () => server.close(),
  };
}

test('with a token: 401 without it or with another, 200 with it', async () => {
  const server = await app('metrics-token-0123456789');
  try {
    expect((await server.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await server.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    const denied = await server.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-012345678' } });
    expect(denied.statusCode).toBe(401);
    expect(denied.json()).toEqual({ errors: [{ message: 'Missing or invalid credentials', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect((await server.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } })).body).toBe('ok 1\n');
  } finally {
    await server.close();
  }
});

test('without a token the endpoint stays open', async () => {
  const server = await app(null);
  try {
    expect((await server.inject({ url: '/metrics' })).statusCode).toBe(200);
  } finally {
    await server.close();
  }
});
