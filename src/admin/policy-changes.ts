import { ConflictError, NotFoundError } from '../authz/errors';
import { encodeToken } from '../authz/consistency-token';
import type { InvalidationTarget, L2Invalidator } from '../cache/invalidation';
import type { Logger } from '../observability/logger';
import type { PrismaClient } from '../store/generated/prisma/client';
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
 * in the background until it lands.
 */
export class PolicyChanges {
  private readonly pending = new Set<InvalidationTarget>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly invalidator: L2Invalidator | null,
    private readonly logger: Logger,
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
        const rows = await db.$queryRawUnsafe<Array<{ revision: number }>>(
          'UPDATE organizations SET revision = revision + 1, updated_at = now() WHERE id = $1 RETURNING revision',
          orgId,
        );
        if (rows.length === 0) throw new NotFoundError(`organization "${orgId}" does not exist`);
        revision = Number(rows[0]!.revision);
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
    }
  }

  private retry(target: InvalidationTarget, attempt: number): void {
    this.pending.add(target);
    const timer = setTimeout(() => {
      this.invalidator!.invalidate(target).then(
        () => {
          this.pending.delete(target);
          this.logger.info({ event: 'authz_l2_invalidation_recovered', attempt }, 'authz_l2_invalidation_recovered');
        },
        () => this.retry(target, attempt + 1),
      );
    }, Math.min(100 * 2 ** attempt, 5_000));
    timer.unref();
  }

  /** Invalidations still waiting for Redis (for readiness and tests). */
  get pendingInvalidations(): number {
    return this.pending.size;
  }
}
