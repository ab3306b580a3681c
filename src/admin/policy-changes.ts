import { ConflictError, NotFoundError } from '../authz/errors';
import { encodeToken } from '../authz/consistency-token';
import type { InvalidationTarget } from '../revocation/invalidation';
import type { PrismaClient } from '../store/generated/prisma/client';
import { type ChangeGate, type PolicyChangeRecord, publishInTransaction } from '../store/change-log';
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
 * order and every change has a revision), then makes the change and writes its audit
 * event, then (for a change that can alter a decision) passes the gate's fence and
 * records the change in the change log. After the commit the gate makes the change
 * visible to this instance's caches before the mutation returns (src/revocation/change-gate.ts).
 *
 * If the cached sets cannot be made stale (Redis unreachable or silent), the gate's
 * fence throws L2UnavailableError and nothing is written: a change that returned
 * success is never undone by a cache.
 */
export class PolicyChanges {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly gate: ChangeGate | null,
  ) {}

  /**
   * @param orgId the organization changed; `creates` when the change creates it.
   * @throws NotFoundError, ConflictError, InvalidInputError (from `change`),
   *   L2UnavailableError (the caches could not be invalidated); nothing is written then.
   */
  async run<T>(
    actor: string,
    action: string,
    orgId: string,
    change: (db: Db) => Promise<ChangeOutcome<T>>,
    options: { creates?: boolean } = {},
  ): Promise<ChangeResult<T>> {
    const { outcome, revision, logged } = await this.transaction(async (db) => {
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
      const records = outcome.invalidate ? changeRecords(outcome.invalidate, revision) : [];
      const logged = await publishInTransaction(db, records, this.gate);
      return { outcome, revision, logged };
    });
    if (logged.length > 0) await this.gate?.committed(logged);
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
}

/** One change-log record per organization the target touches, at the change's revision. */
function changeRecords(target: InvalidationTarget, revision: number): PolicyChangeRecord[] {
  const wholeOrgs = new Set(target.orgIds ?? []);
  const users = new Map<string, Set<string>>();
  for (const s of target.subjects ?? []) {
    if (wholeOrgs.has(s.orgId)) continue;
    const set = users.get(s.orgId) ?? new Set<string>();
    set.add(s.userId);
    users.set(s.orgId, set);
  }
  return [
    ...[...wholeOrgs].map((orgId) => ({ orgId, revision, userIds: [], wholeOrg: true })),
    ...[...users].map(([orgId, ids]) => ({ orgId, revision, userIds: [...ids], wholeOrg: false })),
  ];
}
