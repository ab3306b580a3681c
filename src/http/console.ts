import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, HttpErrorCode } from './error-body';

/**
 * The authorization console at `/console`: the single-page app built by Vite into
 * `console/dist`, served from disk. Every path under `/console/` that is not a file
 * answers `index.html`, so the app's own routes (`/console/acme/roles`) survive a
 * reload. `/console/config.json` tells the app how callers authenticate.
 *
 * Without a build the console answers 503 CONSOLE_NOT_BUILT (the one error shape) with a
 * message saying how to build it, rather than a bare 404 that looks like a wrong URL.
 */
export interface ConsoleOptions {
  /** Caller authentication mode, from the Config; the app opens directly with `none`. */
  authMode: string;
  /** The built app; defaults to `console/dist` in the project folder. */
  distDir?: string;
}

/**
 * Only the gateway's own origin: the console loads nothing from outside hosts (no CDN
 * fonts or scripts), and the policy makes a mistake there fail loudly in the browser.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function registerConsole(app: FastifyInstance, options: ConsoleOptions): void {
  const distDir = options.distDir ?? path.join(projectRoot(), 'console', 'dist');
  app.get('/console/config.json', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { authMode: options.authMode };
  });

  if (!existsSync(path.join(distDir, 'index.html'))) {
    const notBuilt = async (request: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(503)
        .send(errorBody(request.url, HttpErrorCode.CONSOLE_NOT_BUILT, 'The console is not built. Run `npm run build` (or `npm run build:console`), then restart the gateway.'));
    app.get('/console', notBuilt);
    app.get('/console/*', notBuilt);
    return;
  }

  app.register(fastifyStatic, {
    root: distDir,
    prefix: '/console/',
    // One route per built file, enumerated at start; the fallback below owns the rest.
    wildcard: false,
    index: false,
    // Cache headers are set below, per kind of file.
    cacheControl: false,
    setHeaders: (res, filePath) => {
      res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      // Vite puts a content hash in every asset name, so assets never change.
      res.setHeader('cache-control', filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    // A missing asset is a 404, not the app: a stale page asking for an old hash must fail visibly.
    if (request.url.startsWith('/console/assets/')) return reply.callNotFound();
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    // index.html names the current asset hashes: always revalidate it.
    return reply.header('cache-control', 'no-cache').sendFile('index.html', distDir, { cacheControl: false });
  };
  app.get('/console', sendIndex);
  app.get('/console/*', sendIndex);
}

/** The folder holding package.json: `src/http` when run from source, `dist/src/http` when built. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
