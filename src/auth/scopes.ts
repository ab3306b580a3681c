import { ForbiddenError } from './errors';
import type { Caller, Scope } from './types';

/** What each scope also grants: admin can check, check covers self. */
const IMPLIED: Record<Scope, readonly Scope[]> = {
  'authz:admin': ['authz:admin', 'authz:check', 'authz:check:self'],
  'authz:check': ['authz:check', 'authz:check:self'],
  'authz:check:self': ['authz:check:self'],
};

export function hasScope(caller: Caller, scope: Scope): boolean {
  // Own properties only: a token scope such as "constructor" must not reach Object.prototype.
  return caller.scopes.some((held) => Object.hasOwn(IMPLIED, held) && (IMPLIED as Record<string, readonly Scope[]>)[held]!.includes(scope));
}

/**
 * The reusable guard: throws ForbiddenError unless the caller holds `scope` (directly or
 * through a broader one). Admin fields call `requireScope(ctx.caller, 'authz:admin')`.
 */
export function requireScope(caller: Caller, scope: Scope): void {
  if (!hasScope(caller, scope)) throw new ForbiddenError(`this operation needs the scope ${scope}`);
}

/**
 * May the caller ask about these users? `authz:check` may ask about anyone;
 * `authz:check:self` only about its own subject (its `name`, the JWT `sub`).
 */
export function requireMayAskAbout(caller: Caller, userIds: Iterable<string>): void {
  if (hasScope(caller, 'authz:check')) return;
  if (!hasScope(caller, 'authz:check:self')) throw new ForbiddenError('this operation needs the scope authz:check or authz:check:self');
  for (const userId of userIds) {
    if (userId !== caller.name) throw new ForbiddenError('the scope authz:check:self allows questions about your own user ID only');
  }
}
