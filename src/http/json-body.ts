import type { FastifyInstance } from 'fastify';
import { parse } from 'secure-json-parse';
import { HttpErrorCode } from './error-body';

/** A request body the gateway refuses before any route sees it: 400 with a code saying why. */
export class BodyError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

// secure-json-parse throws this one text for both kinds of forbidden key.
const FORBIDDEN_KEY = 'Object contains forbidden prototype property';

/**
 * Replaces Fastify's `application/json` parser, which answers every failure, a
 * prototype-poisoning key included, with "Body is not valid JSON". The same parser
 * (secure-json-parse, refusing `__proto__` and `constructor.prototype`), with errors
 * that say what is wrong: an empty body, JSON that does not parse (INVALID_JSON), or a
 * forbidden key (FORBIDDEN_JSON_KEY). The body limit stays Fastify's.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(new BodyError(HttpErrorCode.INVALID_JSON, 'Body is empty; a JSON value was expected (Content-Type: application/json)'), undefined);
    try {
      done(null, parse(text, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      done(describe(text, error), undefined);
    }
  });
}

function describe(text: string, error: unknown): BodyError {
  if (!(error instanceof SyntaxError) || error.message !== FORBIDDEN_KEY) {
    return new BodyError(HttpErrorCode.INVALID_JSON, 'Body is not valid JSON (Content-Type: application/json)');
  }
  // Which of the two keys: only on this error path, so the common one pays nothing.
  let key = 'constructor.prototype';
  try {
    parse(text, { protoAction: 'error', constructorAction: 'ignore' });
  } catch {
    key = '__proto__';
  }
  return new BodyError(HttpErrorCode.FORBIDDEN_JSON_KEY, `Body contains a forbidden key: ${key} (refused: it could change the prototype of objects built from it)`);
}
