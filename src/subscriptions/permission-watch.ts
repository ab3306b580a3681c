import type { PermissionSetResult } from '../authz/decision-service';
import type { Subject } from '../authz/types';

/** A load of one subject's current set, and when its earliest unexpired grant expires. */
export type LoadCurrent = (subject: Subject) => Promise<{ set: PermissionSetResult; nextExpiry: number | null }>;

/** One subscription as a watch sees it. */
export interface WatchSubscriber {
  /** Loads numbered below this started before the subscriber came: their sets may be stale for it. */
  minLoad: number;
  offer(set: PermissionSetResult, seenAt: number | null): void;
  fail(error: unknown): void;
}

// setTimeout's largest delay; a later expiry is re-armed when this one fires.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The subscriptions of one (user, org) on this instance, and the loads of its set. Loads
 * run one at a time, each from PostgreSQL (FULLY_CONSISTENT) and started after the
 * previous one ended, so each sees every commit the previous one saw: a later set is
 * never older than an earlier one. A refresh during a load runs one more load after it
 * (any number of refreshes meanwhile share it). After each load a timer is armed at the
 * earliest grant expiry, when the set changes without a commit.
 */
export class PermissionWatch {
  private readonly subscribers = new Set<WatchSubscriber>();
  private loading = false;
  private again = false;
  private againSeenAt: number | null = null;
  private loads = 0;
  private expiry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    readonly subject: Subject,
    private readonly load: LoadCurrent,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Adds a subscriber; its first set comes from a load that starts after this call. */
  add(subscriber: WatchSubscriber): void {
    subscriber.minLoad = this.loads + 1;
    this.subscribers.add(subscriber);
    this.refresh(null);
  }

  /** Removes a subscriber; with none left, the watch stops (true). */
  remove(subscriber: WatchSubscriber): boolean {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size > 0) return false;
    this.stop();
    return true;
  }

  /** A change may have altered the set; `seenAt`: when this instance learned of it. */
  refresh(seenAt: number | null): void {
    if (this.stopped) return;
    if (this.loading) {
      this.again = true;
      if (seenAt !== null && (this.againSeenAt === null || seenAt < this.againSeenAt)) this.againSeenAt = seenAt;
      return;
    }
    void this.run(seenAt);
  }

  stop(): void {
    this.stopped = true;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
  }

  private async run(seenAt: number | null): Promise<void> {
    this.loading = true;
    const number = ++this.loads;
    try {
      const { set, nextExpiry } = await this.load(this.subject);
      if (this.stopped) return;
      for (const subscriber of [...this.subscribers]) if (number >= subscriber.minLoad) subscriber.offer(set, seenAt);
      this.arm(nextExpiry);
    } catch (error) {
      // Fail closed: subscribers end with the error (a client resubscribes and gets the
      // current set first), rather than keep a set that may be stale.
      for (const subscriber of [...this.subscribers]) subscriber.fail(error);
    } finally {
      this.loading = false;
      if (this.again && !this.stopped) {
        const next = this.againSeenAt;
        this.again = false;
        this.againSeenAt = null;
        void this.run(next);
      }
    }
  }

  private arm(nextExpiry: number | null): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    if (nextExpiry === null) return;
    const delay = Math.min(Math.max(nextExpiry - this.now(), 0) + 1, MAX_TIMER_MS);
    this.expiry = setTimeout(() => {
      this.expiry = null;
      this.refresh(nextExpiry);
    }, delay);
    this.expiry.unref();
  }
}
