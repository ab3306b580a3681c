import type { PermissionSetResult } from '../authz/decision-service';
import type { GatewayMetrics } from '../observability/metrics';
import { LatestStream } from './latest-stream';
import type { PermissionWatch, WatchSubscriber } from './permission-watch';

/** What a subscription's iterator yields: the set, and when the change behind it was seen. */
export interface SetMessage {
  readonly set: PermissionSetResult;
}

export type QueuedSet = SetMessage & { key: string; seenAt: number | null };

type Metrics = Pick<GatewayMetrics, 'subscriptionMessages' | 'subscriptionSuperseded' | 'subscriptionDelay'>;

/**
 * One permissionsChanged subscription inside the hub: the watch's subscriber and its
 * stream's hooks at once (one object, its methods on the prototype, rather than a set of
 * closures per subscription: an idle subscription keeps all of it). Offered sets reach
 * the stream only when they differ from the last one taken; `ended` runs once when the
 * stream closes.
 */
export class HubSubscription implements WatchSubscriber {
  minLoad = 0;
  readonly stream: LatestStream<QueuedSet>;
  private lastSent: string | null = null;
  private waiting: string | null = null;

  constructor(
    readonly watch: PermissionWatch,
    private readonly metrics: Metrics,
    private readonly now: () => number,
    private readonly ended: (subscription: HubSubscription) => void,
    /** The subscriber's own callback, run after `ended`. */
    readonly onEnd?: () => void,
  ) {
    this.stream = new LatestStream<QueuedSet>(this);
  }

  offer(set: PermissionSetResult, seenAt: number | null): void {
    const content = JSON.stringify([set.permissions, set.roles]);
    if (content === this.waiting) return;
    if (content === this.lastSent) {
      // Back to what the client has: whatever waits is moot.
      this.stream.drop();
      this.waiting = null;
      return;
    }
    this.waiting = content;
    this.stream.push({ set, key: content, seenAt });
  }

  fail(error: unknown): void {
    this.stream.fail(error);
  }

  /** LatestStream hook: a set is handed to graphql-ws, to be sent. */
  onTake(message: QueuedSet): void {
    this.lastSent = message.key;
    this.waiting = null;
    this.metrics.subscriptionMessages.inc();
    if (message.seenAt !== null) this.metrics.subscriptionDelay.observe(Math.max(0, this.now() - message.seenAt) / 1000);
  }

  /** LatestStream hook. */
  onSuperseded(): void {
    this.metrics.subscriptionSuperseded.inc();
  }

  /** LatestStream hook. */
  onClose(): void {
    this.ended(this);
  }
}
