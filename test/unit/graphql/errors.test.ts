import { GraphQLError } from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '../../../src/auth/errors';
import { StoreUnavailableError } from '../../../src/authz/errors';
import { createErrorFormatter, toRequestError } from '../../../src/graphql/errors';

const resolverError = (original: Error) => new GraphQLError(original.message, { path: ['can'], originalError: original });

test('unexpected errors are masked outside development, and logged in full', () => {
  const logged: unknown[] = [];
  const format = createErrorFormatter({ exposeInternals: false, onInternalError: (e) => logged.push(e) });
  const leak = new Error('relation "grants" does not exist at 10.1.2.3:5432 in /srv/app/dist/store.js: SELECT * FROM grants');
  const out = format({ message: leak.message, path: ['can'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at /srv/app'] } }, resolverError(leak));
  expect(out).toEqual({ message: 'Internal server error', path: ['can'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  expect(logged).toEqual([leak]);
});

test('domain errors get their codes; Apollo-classified errors lose their stack trace', () => {
  const format = createErrorFormatter({ exposeInternals: false, onInternalError: () => undefined });
  expect(format({ message: 'x' }, resolverError(new ForbiddenError('no'))).extensions).toEqual({ code: 'FORBIDDEN' });
  expect(format({ message: 'x' }, resolverError(new UnauthenticatedError())).extensions).toEqual({ code: 'UNAUTHENTICATED' });
  const unavailable = format({ message: 'ECONNREFUSED 10.0.0.1' }, resolverError(new StoreUnavailableError('pool: connect ECONNREFUSED 10.0.0.1')));
  expect(unavailable.extensions).toEqual({ code: 'AUTHZ_UNAVAILABLE' });
  expect(unavailable.message).not.toContain('10.0.0.1');
  expect(format({ message: 'Syntax Error', extensions: { code: 'GRAPHQL_PARSE_FAILED', stacktrace: ['x'] } }, new GraphQLError('Syntax Error'))).toEqual({
    message: 'Syntax Error',
    locations: undefined,
    path: undefined,
    extensions: { code: 'GRAPHQL_PARSE_FAILED' },
  });
});

test('errors before the resolvers carry their HTTP status for Apollo', () => {
  expect((toRequestError(new UnauthenticatedError()) as GraphQLError).extensions).toMatchObject({ code: 'UNAUTHENTICATED', http: { status: 401 } });
  expect((toRequestError(new StoreUnavailableError('x')) as GraphQLError).extensions).toMatchObject({ code: 'AUTHZ_UNAVAILABLE', http: { status: 503 } });
  const other = new Error('other');
  expect(toRequestError(other)).toBe(other);
});
