import { ForbiddenError } from '../../../src/auth/errors';
import { hasScope, requireMayAskAbout, requireScope } from '../../../src/auth/scopes';
import type { Caller } from '../../../src/auth/types';

const caller = (scopes: string[], name = 'bob'): Caller => ({ kind: 'jwt', name, scopes });

test('broader scopes imply narrower ones, never the reverse', () => {
  expect(hasScope(caller(['authz:admin']), 'authz:check')).toBe(true);
  expect(hasScope(caller(['authz:check']), 'authz:check:self')).toBe(true);
  expect(hasScope(caller(['authz:check']), 'authz:admin')).toBe(false);
  expect(hasScope(caller(['authz:check:self']), 'authz:check')).toBe(false);
  expect(hasScope(caller(['authz:checkx', 'admin']), 'authz:check:self')).toBe(false);
});

test('requireScope: the guard for admin operations', () => {
  expect(() => requireScope(caller(['authz:admin']), 'authz:admin')).not.toThrow();
  expect(() => requireScope(caller(['authz:check']), 'authz:admin')).toThrow(ForbiddenError);
});

test('requireMayAskAbout: self-only callers may ask about their own ID, and only that', () => {
  expect(() => requireMayAskAbout(caller(['authz:check:self']), ['bob', 'bob'])).not.toThrow();
  expect(() => requireMayAskAbout(caller(['authz:check:self']), ['bob', 'alice'])).toThrow(ForbiddenError);
  expect(() => requireMayAskAbout(caller(['authz:check']), ['anyone'])).not.toThrow();
  expect(() => requireMayAskAbout(caller([]), ['bob'])).toThrow(ForbiddenError);
});

describe('scope names that are Object.prototype members', () => {
  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s grants nothing and throws FORBIDDEN, not a TypeError', (scope) => {
    const caller = { kind: 'jwt' as const, name: 'u', scopes: [scope] };
    expect(hasScope(caller, 'authz:check')).toBe(false);
    expect(() => requireScope(caller, 'authz:admin')).toThrow(ForbiddenError);
  });
});
