import { ConflictError, NotFoundError } from '../authz/errors';
import { encodeToken } from '../authz/consistency-token';
import { withDeadline } from '../cache/deadline';
import type { InvalidationTarget, L2Invalidator } from '../cache/invalidation';
import type { Logger } from '../observability/logger';
import type { PrismaClient } from '../store/generated/prisma/client';
import { bumpRevision } from '../store/revision';
import type { Db } from './views';

/** What one change did: its result, and what the audit trail and the caches must learn. */
export interface ChangeOutcome<T> {
  result: T;
  target: Record<string, unknown>;
  before: unknown;
  after: unknown;
  /** Cached sets this change makes stale; none when it cannot change a decision. */
  invalidate?: InvalidationTarget;
}

export interface ChangeResult<T> {
  result: T;
  consistencyToken: string;
}

/**
 * Runs policy changes the one safe way: in one transaction that first locks the
 * organization's row and bumps its revision (so changes to one organization commit in
 * order and every change has a revision), then makes the change, then writes its
 * audit event. Only after the commit are cached sets invalidated, so a load that reads
 * PostgreSQL after the invalidation sees the change (see src/cache/invalidation.ts).
 *
 * If Redis cannot take the invalidation, the change stands (it is committed), the
 * failure is logged as `authz_l2_invalidation_failed`, and the invalidation is retried
 * in the background until it lands; meanwhile the L2 breaker stays open (its probe
 * flushes pending invalidations first), so no cached set is served past the change.
 */
export class PolicyChanges {
  private readonly pending = new Set<InvalidationTarget>();
  private closed = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly invalidator: L2Invalidator | null,
    private readonly logger: Logger,
    /** Told when an invalidation could not be written (the L2 breaker opens on it). */
    private readonly onInvalidationFailed: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * @param orgId the organization changed; `creates` when the change creates it.
   * @throws NotFoundError, ConflictError, InvalidInputError (from `change`); nothing is written then.
   */
  async run<T>(
    actor: string,
    action: string,
    orgId: string,
    change: (db: Db) => Promise<ChangeOutcome<T>>,
    options: { creates?: boolean } = {},
  ): Promise<ChangeResult<T>> {
    const { outcome, revision } = await this.transaction(async (db) => {
      let revision = 1;
      if (!options.creates) {
        const bumped = await bumpRevision(db, orgId);
        if (bumped === null) throw new NotFoundError(`organization "${orgId}" does not exist`);
        revision = bumped;
      }
      const outcome = await change(db);
      await db.auditEvent.create({
        data: {
          orgId,
          actor,
          action,
          target: outcome.target as object,
          before: (outcome.before ?? undefined) as object | undefined,
          after: (outcome.after ?? undefined) as object | undefined,
          revision,
        },
      });
      return { outcome, revision };
    });
    if (outcome.invalidate) await this.invalidate(outcome.invalidate);
    return { result: outcome.result, consistencyToken: encodeToken({ orgId, revision }) };
  }

  private async transaction<R>(work: (db: Db) => Promise<R>): Promise<R> {
    try {
      return await this.prisma.$transaction((tx) => work(tx as unknown as Db), { timeout: 30_000, maxWait: 10_000 });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'P2002') throw new ConflictError('that name or ID is already taken');
      if (code === 'P2025' || code === 'P2003') throw new NotFoundError('a referenced record does not exist');
      throw error;
    }
  }

  private async invalidate(target: InvalidationTarget): Promise<void> {
    if (!this.invalidator) return;
    try {
      await this.invalidator.invalidate(target);
    } catch (err) {
      this.logger.error({ event: 'authz_l2_invalidation_failed', err }, 'authz_l2_invalidation_failed: retrying in the background');
      this.retry(target, 1);
      this.onInvalidationFailed(err);
    }
  }

  private retry(target: InvalidationTarget, attempt: number): void {
    this.pending.add(target);
    const timer = setTimeout(() => {
      if (this.closed || !this.pending.has(target)) return;
      this.invalidator!.invalidate(target).then(
        () => {
          this.pending.delete(target);
          this.logger.info({ event: 'authz_l2_invalidation_recovered', attempt }, 'authz_l2_invalidation_recovered');
        },
        () => this.retry(target, attempt + 1),
      );
    }, Math.min(100 * 2 ** attempt, 1_000));
    timer.unref();
  }

  /**
   * Lands every pending invalidation now; rejects if any still fails. The L2 circuit
   * breaker calls it before it closes again: while a committed change is not yet
   * invalidated, serving cached sets could serve what it changed.
   */
  async flushPending(): Promise<void> {
    if (!this.invalidator) return;
    for (const target of [...this.pending]) {
      await this.invalidator.invalidate(target);
      this.pending.delete(target);
    }
  }

  /** Stops retrying, after one last bounded attempt; what is still pending is logged as lost. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending.size === 0) return;
    await withDeadline(this.flushPending(), 2_000, 'pending invalidations').catch(() => undefined);
    if (this.pending.size > 0) {
      this.logger.error(
        { event: 'authz_l2_invalidation_lost', pending: this.pending.size },
        'stopping with invalidations that never reached Redis: affected cached sets may be served until AUTHZ_CACHE_TTL runs out',
      );
    }
  }

  /** Invalidations still waiting for Redis (for readiness and tests). */
  get pendingInvalidations(): number {
    return this.pending.size;
  }
}
