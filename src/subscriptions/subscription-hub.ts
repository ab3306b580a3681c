import type { Subject } from '../authz/types';
import type { FeedChange } from '../revocation/change-feed';
import type { GatewayMetrics } from '../observability/metrics';
import { HubSubscription, type SetMessage } from './hub-subscription';
import { type LoadCurrent, PermissionWatch } from './permission-watch';

export type { SetMessage } from './hub-subscription';

/** Thrown when a limit on subscriptions would be passed. */
export class SubscriptionLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubscriptionLimitError';
  }
}

type Metrics = Pick<GatewayMetrics, 'subscriptions' | 'subscriptionMessages' | 'subscriptionSuperseded' | 'subscriptionDelay'>;

/**
 * Every permissionsChanged subscription of this instance, by (user, org). Told of each
 * committed change by the change feed (`changed`), it refreshes the watches the change
 * may concern: the listed users of the organization, or every watched user of it for a
 * change to the whole organization. A subscription gets the current set first, then a
 * set only when it differs from the last one it was given, through a LatestStream (at
 * most one set waiting per slow subscriber).
 */
export class SubscriptionHub {
  private readonly watches = new Map<string, PermissionWatch>();
  private readonly byOrg = new Map<string, Map<string, PermissionWatch>>();
  private readonly streams = new Set<{ end(): void }>();
  private open = 0;
  private closed = false;

  constructor(
    private readonly options: {
      load: LoadCurrent;
      maxSubscriptions: number;
      metrics: Metrics;
      now?: () => number;
    },
  ) {}

  /** Open subscriptions on this instance. */
  get size(): number {
    return this.open;
  }

  /** The change feed's listener (see ChangeFeed.onChanges). */
  changed(changes: readonly FeedChange[], seenAt: number): void {
    for (const change of changes) {
      const watched = this.byOrg.get(change.orgId);
      if (!watched) continue;
      if (change.wholeOrg) for (const watch of watched.values()) watch.refresh(seenAt);
      else for (const userId of change.userIds) watched.get(userId)?.refresh(seenAt);
    }
  }

  /**
   * A subscription to `subject`'s set. `onClose` runs once when it ends (completed by the
   * client, socket closed, failed, or the hub closed).
   * @throws SubscriptionLimitError past AUTHZ_WS_MAX_SUBSCRIPTIONS.
   */
  subscribe(subject: Subject, onClose?: () => void): AsyncIterableIterator<SetMessage> {
    if (this.closed) throw new SubscriptionLimitError('the server is shutting down');
    if (this.open >= this.options.maxSubscriptions) throw new SubscriptionLimitError('this instance serves no more subscriptions (AUTHZ_WS_MAX_SUBSCRIPTIONS)');
    const { metrics } = this.options;
    const now = this.options.now ?? Date.now;
    const key = JSON.stringify([subject.userId, subject.orgId]);
    let watch = this.watches.get(key);
    if (!watch) {
      watch = new PermissionWatch(subject, this.options.load, now);
      this.watches.set(key, watch);
      let org = this.byOrg.get(subject.orgId);
      if (!org) this.byOrg.set(subject.orgId, (org = new Map()));
      org.set(subject.userId, watch);
    }
    const subscription = new HubSubscription(watch, metrics, now, this.ended, onClose);
    const { stream } = subscription;
    this.streams.add(stream);
    this.open++;
    metrics.subscriptions.inc();
    watch.add(subscription);
    return stream;
  }

  /** A subscription's stream closed: forget it, and its watch when it was the last one. */
  private readonly ended = (subscription: HubSubscription): void => {
    this.streams.delete(subscription.stream);
    this.open--;
    this.options.metrics.subscriptions.dec();
    const { watch } = subscription;
    if (watch.remove(subscription)) {
      const { userId, orgId } = watch.subject;
      this.watches.delete(JSON.stringify([userId, orgId]));
      const org = this.byOrg.get(orgId);
      org?.delete(userId);
      if (org?.size === 0) this.byOrg.delete(orgId);
    }
    subscription.onEnd?.();
  };

  /** Ends every subscription (shutdown). */
  close(): void {
    this.closed = true;
    for (const watch of [...this.watches.values()]) watch.stop();
    for (const stream of [...this.streams]) stream.end();
  }
}
