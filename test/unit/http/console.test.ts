import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { registerConsole } from '../../../src/http/console';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'console-dist-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

// Fastify's inject() loads an ES module jest cannot require; a real socket is as quick.
async function serve(distDir: string) {
  // fetch keeps sockets alive; close must not wait for them.
  const app = Fastify({ forceCloseConnections: true });
  registerConsole(app, { authMode: 'none', distDir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const get = async (url: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${url}`);
    return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  };
  open.push(() => app.close());
  return { get };
}

test('serves the build, falls back to index.html for app routes, 404 for missing assets', async () => {
  const app = await serve(dir);
  const index = await app.get('/console');
  expect(index.statusCode).toBe(200);
  expect(index.body).toContain('<title>app</title>');
  expect(index.headers['cache-control']).toBe('no-cache');
  expect(index.headers['content-security-policy']).toContain("default-src 'self'");
  expect((await app.get('/console/acme/members')).body).toContain('<title>app</title>');
  const asset = await app.get('/console/assets/index-abc.js');
  expect(asset.statusCode).toBe(200);
  expect(asset.headers['cache-control']).toContain('immutable');
  expect((await app.get('/console/assets/index-old.js')).statusCode).toBe(404);
  expect(JSON.parse((await app.get('/console/config.json')).body)).toEqual({ authMode: 'none' });
});

test('without a build: 503 saying how to build', async () => {
  const app = await serve(path.join(dir, 'missing'));
  const res = await app.get('/console/acme/roles');
  expect(res.statusCode).toBe(503);
  expect(res.body).toContain('npm run build');
  expect((await app.get('/console/config.json')).statusCode).toBe(200);
});
