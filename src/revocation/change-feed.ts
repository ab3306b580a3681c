import type { Subject } from '../authz/types';
import type { Logger } from '../observability/logger';
import { withDeadline } from '../lib/with-deadline';
import type { FloorChange, RevisionFloors } from './revision-floor';
import type { InvalidationTarget } from './invalidation';

/** A committed change with its change-log ID. */
export interface FeedChange extends FloorChange {
  readonly id: string;
}

export interface ChangeFeedOptions {
  /**
   * Reads the change log (see src/store/change-log.ts readChanges): with no cursor, the
   * changes of the last `windowMs`. None: this process is the only writer (embedded
   * database), and local commits are all there is to learn.
   */
  read?: (cursor: string | null, windowMs: number) => Promise<{ changes: FeedChange[]; cursor: string }>;
  /** Opens a LISTEN session that calls `onNotify` per commit and `onDown` when it fails. */
  listen?: (onNotify: () => void, onDown: (error: unknown) => void) => Promise<{ close(): Promise<void> }>;
  /**
   * For changes another process made, `settle` removes the pending marks they left (the
   * writer may have failed or stopped after its commit; see L2Invalidator.settle),
   * `settleDelayMs` after they are seen (the writer's own write is normally done by
   * then). `invalidate` re-invalidates everything under a floor, except keys a change is
   * pending on (see reinvalidateRecent).
   */
  l2?: { settle(changes: readonly FeedChange[]): Promise<void>; invalidate(target: InvalidationTarget): Promise<void> };
  settleDelayMs?: number;
  /** How far back a cold start reads, and how long floors last: 2 x the L2 TTL. */
  windowMs: number;
  /** Poll interval, the fallback when notifications are lost. */
  pollMs: number;
  /** With no successful read for this long, L2 hits stop (fail closed to the store)... */
  maxLagMs: number;
  /**
   * ...unless the shared Redis has not failed since the last successful read: this
   * counts Redis failures and reconnects (every restart and failover is one). A Redis
   * that never failed has lost no fence, and fences alone protect its values. None
   * (in-process L2): no such exception, as there is no shared fence.
   */
  redisEpoch?: () => number;
  logger: Logger;
  now?: () => number;
}

/** Told of changes as the feed first sees them; `seenAt` is when (epoch ms). */
export type ChangeListener = (changes: readonly FeedChange[], seenAt: number) => void;

/**
 * How this instance learns of committed policy changes from PostgreSQL itself, so that
 * no instance's view of Redis decides whether a revocation holds. Local commits raise
 * the floors before the mutation returns; other processes' commits arrive by NOTIFY
 * (milliseconds), with a poll of the change log as the fallback. For each change it
 * raises the revision floors and settles the pending marks the writer left in L2.
 *
 * `live` is false until the first read of the change log succeeded, and whenever no read
 * succeeded for `maxLagMs` and Redis failed since the last one (see `redisEpoch`): the
 * L2 layer then serves no hits (loads from the store).
 */
export class ChangeFeed {
  private cursor: string | null = null;
  private lastRead = -Infinity;
  private epochAtRead = -1;
  private readonly seen = new Map<string, number>();
  private reading: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private listener: { close(): Promise<void> } | null = null;
  private listening = false;
  private stopped = false;
  private readonly now: () => number;
  private wasLive: boolean | null = null;
  private readonly changeListeners = new Set<ChangeListener>();

  constructor(
    private readonly floors: RevisionFloors,
    private readonly options: ChangeFeedOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Reads the change log once, then keeps following it. A failed first read is logged:
   * the instance starts, serving no L2 hits until a read succeeds.
   */
  async start(): Promise<void> {
    if (!this.options.read) return;
    await this.poll().catch((err: unknown) => this.options.logger.warn({ event: 'authz_change_feed_error', err }, 'could not read the change log'));
    this.schedule();
    void this.connect();
  }

  /** Whether cached sets may be served: the change log was read recently enough. */
  get live(): boolean {
    if (!this.options.read) return true;
    const recent = this.now() - this.lastRead <= this.options.maxLagMs;
    const live = recent || (this.options.redisEpoch !== undefined && this.epochAtRead === this.options.redisEpoch());
    if (live !== this.wasLive) {
      const first = this.wasLive === null;
      this.wasLive = live;
      if (first && live) return live;
      if (live) this.options.logger.info({ event: 'authz_change_feed_live' }, 'change log read again: L2 hits served again');
      else this.options.logger.warn({ event: 'authz_change_feed_stale', lagMs: this.now() - this.lastRead }, 'change log not read in time: serving no L2 hits until it is');
    }
    return live;
  }

  /** The lowest revision a cached set of `subject` may have (the L2 layer's floor). */
  minRevision(subject: Subject): number {
    return this.floors.minRevision(subject);
  }

  /** Changes this process committed: floors first, before the mutation returns. */
  committed(changes: readonly FeedChange[]): void {
    for (const change of changes) {
      this.seen.set(change.id, this.now());
      this.floors.raise(change);
    }
    this.tell(changes);
  }

  /**
   * Registers `listener` for every change seen for the first time, local or another
   * process's, after the floors were raised; returns the unregistration. Listeners run
   * synchronously and must not throw (a throw is logged and ignored).
   */
  onChanges(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private tell(changes: readonly FeedChange[], seenAt = this.now()): void {
    if (changes.length === 0) return;
    for (const listener of this.changeListeners) {
      try {
        listener(changes, seenAt);
      } catch (err) {
        this.options.logger.error({ err }, 'a change-feed listener failed');
      }
    }
  }

  /**
   * Changes rolled back because their fence failed: the fence may still land late (a
   * command already sent when its deadline fired) and leave versions pending. They are
   * re-invalidated with the floors after the outage (no floor is raised: nothing changed).
   */
  aborted(changes: readonly FloorChange[]): void {
    for (const change of changes) this.floors.raise({ ...change, revision: 0 });
  }

  /** Re-invalidates every subject and organization still under a floor (after a Redis outage). */
  async reinvalidateRecent(): Promise<void> {
    const target = this.floors.targets();
    if (this.options.l2 && (target.subjects!.length > 0 || target.orgIds!.length > 0)) await this.options.l2.invalidate(target);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Bounded: a read or a close stuck on a dead database must not hold up shutdown.
    await withDeadline(Promise.all([this.listener?.close(), this.reading?.catch(() => undefined)]), 2_000, 'change feed stop').catch(() => undefined);
  }

  /** One read of the change log; concurrent calls share it and queue one more. */
  poll(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.readOnce().finally(() => {
      this.reading = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.poll();
      }
    });
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    const started = this.now();
    const epoch = this.options.redisEpoch?.() ?? -1;
    const batch = await this.options.read!(this.cursor, this.options.windowMs);
    const fresh = batch.changes.filter((c) => !this.seen.has(c.id));
    for (const change of fresh) {
      this.seen.set(change.id, started);
      this.floors.raise(change);
    }
    this.cursor = batch.cursor;
    // Live from when the read started: a commit after that is caught by the next read.
    this.lastRead = started;
    this.epochAtRead = epoch;
    if (fresh.length > 0) this.settle(fresh);
    // From when the read started: the NOTIFY (or poll) that followed the commit.
    this.tell(fresh, started);
    this.forget(started);
  }

  private settle(changes: readonly FeedChange[]): void {
    const l2 = this.options.l2;
    if (!l2) return;
    const timer = setTimeout(() => {
      if (this.stopped) return;
      l2.settle(changes).catch((err: unknown) => {
        // Pending versions are never hits: a failure here costs misses, not safety.
        this.options.logger.warn({ event: 'authz_l2_invalidation_failed', phase: 'peer', err }, 'authz_l2_invalidation_failed');
      });
    }, this.options.settleDelayMs ?? 0);
    timer.unref();
  }

  private forget(now: number): void {
    this.floors.prune();
    for (const [id, at] of this.seen) if (now - at > this.options.windowMs) this.seen.delete(id);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.poll().then(
        () => this.schedule(),
        (err: unknown) => {
          this.options.logger.warn({ event: 'authz_change_feed_error', err }, 'could not read the change log');
          this.schedule();
        },
      );
    }, this.options.pollMs);
    this.timer.unref();
  }

  private async connect(delayMs = 100): Promise<void> {
    if (!this.options.listen || this.stopped || this.listening) return;
    try {
      this.listener = await this.options.listen(
        () => void this.poll().catch(() => undefined),
        (err) => {
          this.listening = false;
          this.listener = null;
          this.options.logger.warn({ event: 'authz_change_feed_error', err }, 'change-log listener lost; polling until it is back');
          if (!this.stopped) setTimeout(() => void this.connect(), delayMs).unref();
        },
      );
      this.listening = true;
      if (this.stopped) await this.listener.close();
      // Whatever committed while the listener was down is read now.
      else await this.poll().catch(() => undefined);
    } catch (err) {
      this.options.logger.warn({ event: 'authz_change_feed_error', err }, 'change-log listener could not connect');
      if (!this.stopped) setTimeout(() => void this.connect(Math.min(delayMs * 2, 2_000)), delayMs).unref();
    }
  }
}
