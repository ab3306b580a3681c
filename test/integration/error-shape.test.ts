import net from 'node:net';
import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/**
 * One error shape for every error the gateway answers (docs/errors.md):
 * `{"errors":[{"message","extensions":{"code"}}]}`, plus `error: {code, message}` on the
 * REST compatibility endpoint, whatever produced the error.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: 'acme', name: 'Acme' }],
    roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
    memberships: [{ userId: 'bob', orgId: 'acme', roles: ['editor'] }],
  });
});
afterAll(() => gw?.close());

const JSON_HEADERS = { 'content-type': 'application/json' };
const REST = '/api/v1/authorization/check';

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${gw.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', headers: response.headers, body: JSON.parse(text) };
}

/** The whole exchange on a plain socket, for what Node's HTTP parser answers before Fastify. */
function rawExchange(request: string): Promise<string> {
  const url = new URL(gw.url);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => socket.write(request));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', (error) => (received ? resolve(received) : reject(error)));
  });
}

function expectShape(body: any, code: string, message?: RegExp) {
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0].extensions.code).toBe(code);
  expect(typeof body.errors[0].message).toBe('string');
  if (message) expect(body.errors[0].message).toMatch(message);
}

describe('HTTP-level errors on /graphql', () => {
  test.each([
    ['malformed JSON', '{"query": ', 'INVALID_JSON', /not valid JSON/],
    ['an empty body', '', 'INVALID_JSON', /empty/],
    ['a __proto__ key', '{"query":"{ __typename }","__proto__":{"isAdmin":true}}', 'FORBIDDEN_JSON_KEY', /forbidden key: __proto__/],
    ['a nested __proto__ key', '{"query":"{ __typename }","variables":{"a":{"__proto__":{"x":1}}}}', 'FORBIDDEN_JSON_KEY', /forbidden key: __proto__/],
    ['a constructor.prototype key', '{"query":"{ __typename }","constructor":{"prototype":{"x":1}}}', 'FORBIDDEN_JSON_KEY', /forbidden key: constructor\.prototype/],
  ])('%s: 400 with its own code and message', async (_name, body, code, message) => {
    const res = await call('/graphql', { method: 'POST', headers: JSON_HEADERS, body });
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/json/);
    expectShape(res.body, code, message);
    expect(res.body.error).toBeUndefined();
  });

  test('a "constructor" key that is not an object with "prototype" is an ordinary key', async () => {
    const res = await call('/graphql', { method: 'POST', headers: JSON_HEADERS, body: '{"query":"{ __typename }","variables":{"constructor":"x"}}' });
    expect(res.status).toBe(200);
  });

  test('a body over the limit: 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await call('/graphql', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(70_000)}` }) });
    expect(res.status).toBe(413);
    expectShape(res.body, 'PAYLOAD_TOO_LARGE');
  });

  test('an unsupported content type: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await call('/graphql', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<query/>' });
    expect(res.status).toBe(415);
    expectShape(res.body, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('a method the path does not take: 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const res = await call('/graphql', { method: 'PUT', headers: JSON_HEADERS, body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
    expectShape(res.body, 'METHOD_NOT_ALLOWED');
  });
});

describe('unknown routes and the HTTP parser', () => {
  test('an unknown path: 404 NOT_FOUND', async () => {
    const res = await call('/no/such/path?x=1');
    expect(res.status).toBe(404);
    expectShape(res.body, 'NOT_FOUND', /\/no\/such\/path$/);
  });

  test('headers over the limit: 431 HEADERS_TOO_LARGE, in the same shape', async () => {
    const answer = await rawExchange(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toMatch(/\r\ncontent-type: application\/json/i);
    expectShape(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), 'HEADERS_TOO_LARGE');
  });

  test('a request that is not HTTP: 400 BAD_REQUEST, in the same shape', async () => {
    const answer = await rawExchange('NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expectShape(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), 'BAD_REQUEST');
  });
});

describe('the REST compatibility endpoint: the same shape, plus its earlier `error` field', () => {
  test.each([
    ['a missing field', JSON_HEADERS, JSON.stringify({ user_id: 'bob', org_id: 'acme' }), 400, 'BAD_USER_INPUT'],
    ['an invalid permission', JSON_HEADERS, JSON.stringify({ user_id: 'bob', org_id: 'acme', permission: 'Nope' }), 400, 'BAD_USER_INPUT'],
    ['malformed JSON', JSON_HEADERS, '{"user_id":', 400, 'INVALID_JSON'],
    ['a __proto__ key', JSON_HEADERS, '{"user_id":"bob","org_id":"acme","permission":"document:read","__proto__":{"x":1}}', 400, 'FORBIDDEN_JSON_KEY'],
    ['an unsupported content type', { 'content-type': 'application/xml' }, '<x/>', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])('%s', async (_name, headers, body, status, code) => {
    const res = await call(REST, { method: 'POST', headers, body });
    expect(res.status).toBe(status);
    expectShape(res.body, code);
    expect(res.body.error).toEqual({ code, message: res.body.errors[0].message });
  });

  test('a wrong method: 405 in the same shape', async () => {
    const res = await call(REST);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expectShape(res.body, 'METHOD_NOT_ALLOWED');
    expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });

  test('a success is unchanged', async () => {
    const res = await call(REST, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ user_id: 'bob', org_id: 'acme', permission: 'document:read' }) });
    expect(res).toMatchObject({ status: 200, body: { allowed: true, cache_status: expect.any(String) } });
  });
});
