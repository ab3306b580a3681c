import type { Caller } from '../auth/types';
import type { SubscriptionHub } from './subscription-hub';

/** The context of one subscription operation over WebSocket (see ws-server.ts). */
export interface SubscriptionContext {
  readonly caller: Caller;
  readonly hub: SubscriptionHub;
  /** This connection's open subscriptions, and their limit. */
  readonly connection: { open: number; readonly max: number };
}
