import type { Logger } from '../observability/logger';
import type { ChangeGate, LoggedChange } from '../store/change-log';
import type { ChangeFeed } from './change-feed';
import { type L2Invalidator, L2UnavailableError } from './invalidation';

/**
 * How every policy change is made safe for the caches (mutations and imports alike):
 *
 * 1. Before the commit, inside the transaction (the organization's row is locked, the
 *    change made and logged), what the change touches is marked pending in L2 under
 *    the change's log ID: no set cached before, and none loaded from now until step 2,
 *    is ever a hit, and no other write removes the mark (version-writes.ts). If Redis
 *    cannot take it within the deadline, L2UnavailableError rolls the transaction
 *    back: the change fails and PostgreSQL is left as it was.
 * 2. After the commit, this instance raises its revision floors (before the change
 *    returns), then removes its marks; keys no other change marks get new tokens, so
 *    the subjects are cached again. If that write fails, the change stands and is still
 *    safe (the marks stay until another instance, which learns of the change from the
 *    change log, removes them, or they expire).
 *
 * Without an invalidator (L2 disabled, or a process with no Redis) only the floors apply.
 */
export class L2ChangeGate implements ChangeGate {
  constructor(
    private readonly invalidator: L2Invalidator | null,
    private readonly feed: ChangeFeed | null,
    private readonly logger: Logger,
  ) {}

  async fence(changes: readonly LoggedChange[]): Promise<void> {
    if (!this.invalidator) return;
    try {
      await this.invalidator.fence(changes);
    } catch (err) {
      this.logger.error({ event: 'authz_l2_invalidation_failed', phase: 'before_commit', err }, 'authz_l2_invalidation_failed: the change is rolled back');
      this.feed?.aborted(changes);
      // The fence may still land (a command sent before its deadline fired). Removing
      // the rolled-back change's marks is sent right behind it, on the same connection,
      // so Redis runs it after the fence if it runs the fence at all: the keys are not
      // left pending (misses) for the whole pending TTL.
      this.invalidator.settle(changes, 'rolled_back').catch(() => undefined);
      throw new L2UnavailableError('the shared cache could not be invalidated, so the change was not made', { cause: err });
    }
  }

  async committed(changes: readonly LoggedChange[]): Promise<void> {
    this.feed?.committed(changes);
    if (!this.invalidator) return;
    try {
      await this.invalidator.committed(changes);
    } catch (err) {
      this.logger.warn({ event: 'authz_l2_invalidation_failed', phase: 'after_commit', err }, 'authz_l2_invalidation_failed: the change stands (fenced before the commit); other instances write the new versions');
    }
  }
}
