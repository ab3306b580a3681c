import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { runScript } from '../helpers/cli';
import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { waitFor } from '../helpers/wait-for';
import { Subscriber } from '../helpers/ws-subscriber';

/**
 * Who may subscribe: connection_init carries the credentials, with the modes and scopes
 * of HTTP (AUTH_MODE=apikey,jwt here), and a connection whose credentials stop being
 * valid (a key revoked, a token expired) is closed with 4401.
 */
const SECRET = 'test-secret-that-is-long-enough-for-hs256';
const ISSUER = 'https://idp.test';
const AUDIENCE = 'authz-gateway';
const POLICY = {
  organizations: [{ id: 'acme', name: 'Acme' }],
  roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
  memberships: [
    { userId: 'bob', orgId: 'acme', roles: ['editor'] },
    { userId: 'carol', orgId: 'acme', roles: ['editor'] },
  ],
};
const BOB = { permissions: ['document:*'], roles: ['editor'] };

let gw: TestGateway;
const open: Subscriber[] = [];

async function jwt(scope: string, sub = 'bob', exp: number | string = '5m'): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(SECRET));
}

function subscribe(userId: string, token?: string): Subscriber {
  const s = Subscriber.start(gw.url, userId, 'acme', token === undefined ? undefined : `Bearer ${token}`);
  open.push(s);
  return s;
}

const apikey = (args: string[]) => runScript('scripts/apikey.ts', args, { DATABASE_URL: gw.database.url, LOG_LEVEL: 'silent' });

beforeAll(async () => {
  gw = await startTestGateway({
    AUTH_MODE: 'apikey,jwt',
    AUTH_JWT_SECRET: SECRET,
    AUTH_JWT_ISSUER: ISSUER,
    AUTH_JWT_AUDIENCE: AUDIENCE,
    AUTHZ_WS_AUTH_RECHECK_MS: '200',
    AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
    AUTHZ_WS_INIT_TIMEOUT_MS: '300',
  });
  await seed(gw.gateway.database.prisma, POLICY);
});
afterAll(async () => {
  for (const s of open) await s.close();
  await gw?.close();
});

describe('refused connections close with the protocol codes', () => {
  test('no credentials: 4401', async () => {
    const s = subscribe('bob');
    await waitFor('the close', () => s.closeCode !== null, { timeoutMs: 10_000 });
    expect(s.closeCode).toBe(4401);
    expect(s.sets).toEqual([]);
  });

  test('a JWT signed with another key: 4401', async () => {
    const forged = await new SignJWT({ scope: 'authz:check' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(new TextEncoder().encode('y'.repeat(40)));
    const s = subscribe('bob', forged);
    await waitFor('the close', () => s.closeCode !== null, { timeoutMs: 10_000 });
    expect(s.closeCode).toBe(4401);
  });

  test('a JWT without a check scope: 4403', async () => {
    const s = subscribe('bob', await jwt('openid profile'));
    await waitFor('the close', () => s.closeCode !== null, { timeoutMs: 10_000 });
    expect(s.closeCode).toBe(4403);
  });

  test('no connection_init in time: 4408', async () => {
    const socket = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.once('close', (c) => resolve(c)));
    expect(code).toBe(4408);
  });
});

describe('scopes, as over HTTP', () => {
  test('authz:check:self (JWT): its own user ID only; another ID is FORBIDDEN and the connection stays', async () => {
    const s = subscribe('carol', await jwt('authz:check:self', 'bob'));
    await waitFor('the error', () => s.errors !== null, { timeoutMs: 10_000 });
    expect(s.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    s.errors = null;
    s.subscribe('bob', 'acme');
    expect(await s.next()).toEqual(BOB);
    expect(s.closeCode).toBeNull();
  });

  test('authz:check (JWT): any user', async () => {
    expect(await subscribe('carol', await jwt('authz:check', 'svc')).next()).toEqual(BOB);
  });

  test('a self-only API key is named after the key: it may not subscribe to users', async () => {
    const created = await apikey(['create', '--name', 'kiosk', '--scopes', 'authz:check:self']);
    const s = subscribe('bob', created.stdout.trim());
    await waitFor('the error', () => s.errors !== null, { timeoutMs: 10_000 });
    expect(s.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('at most AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION per connection', async () => {
    const s = subscribe('bob', await jwt('authz:check', 'svc'));
    expect(await s.next()).toEqual(BOB);
    s.subscribe('carol', 'acme');
    expect(await s.next()).toEqual(BOB);
    s.subscribe('bob', 'acme');
    await waitFor('the error', () => s.errors !== null, { timeoutMs: 10_000 });
    expect(s.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
  });
});

describe('credentials that stop being valid end the subscriptions', () => {
  test('an API key revoked while subscribed: closed with 4401', async () => {
    const created = await apikey(['create', '--name', 'frontend-bff', '--scopes', 'authz:check']);
    expect(created.code).toBe(0);
    const s = subscribe('bob', created.stdout.trim());
    expect(await s.next()).toEqual(BOB);
    expect((await apikey(['revoke', 'frontend-bff'])).code).toBe(0);
    await waitFor('the close after the revocation', () => s.closeCode !== null, { timeoutMs: 10_000 });
    expect(s.closeCode).toBe(4401);
  }, 60_000);

  test('a JWT that expires while subscribed: closed with 4401', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const s = subscribe('bob', await jwt('authz:check:self', 'bob', exp));
    expect(await s.next()).toEqual(BOB);
    await waitFor('the close after the expiry', () => s.closeCode !== null, { timeoutMs: 10_000 });
    expect(s.closeCode).toBe(4401);
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
  });
});
