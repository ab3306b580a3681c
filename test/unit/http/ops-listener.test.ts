import { Agent, request } from 'node:http';
import Fastify from 'fastify';
import { listenOps } from '../../../src/http/ops-listener';
import { deferred } from '../../helpers/deferred';

/** GET `url` on a keep-alive agent; resolves with the status, the Connection header and the body. */
function get(url: string, agent: Agent): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the operations port', () => {
  it('serves only the probe and metrics routes', async () => {
    const app = Fastify();
    app.get('/health', async () => ({ status: 'ok' }));
    app.post('/graphql', async () => ({ data: {} }));
    await app.ready();
    const ops = await listenOps(app, { host: '127.0.0.1', port: 0 });
    const agent = new Agent({ keepAlive: true });
    try {
      expect(await get(`${ops.url}/health`, agent)).toMatchObject({ status: 200 });
      const other = await get(`${ops.url}/graphql`, agent);
      expect(other.status).toBe(404);
      expect(JSON.parse(other.body)).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
    } finally {
      agent.destroy();
      await ops.close();
      await app.close();
    }
  });

  it('stops once a request in flight on a keep-alive connection is answered, not after the keep-alive timeout', async () => {
    const app = Fastify();
    const arrived = deferred();
    const answer = deferred();
    app.get('/ready', async () => {
      arrived.resolve();
      await answer.promise;
      return { status: 'ready' };
    });
    await app.ready();
    const ops = await listenOps(app, { host: '127.0.0.1', port: 0 });
    const agent = new Agent({ keepAlive: true });
    try {
      const inFlight = get(`${ops.url}/ready`, agent);
      await arrived.promise;
      const closed = ops.close();
      answer.resolve();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.connection).toBe('close');
      // Without `Connection: close` this waits for the 65 s keep-alive timeout (the test's own timeout fails first).
      await closed;
    } finally {
      agent.destroy();
      await app.close();
    }
  });
});
