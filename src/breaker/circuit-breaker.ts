import type { Logger } from '../observability/logger';
import { withDeadline } from '../lib/with-deadline';

export interface CircuitBreakerOptions {
  /** How long to skip L2 after a failure before probing again (AUTHZ_L2_BREAKER_MS). */
  windowMs: number;
  /** Bound on each probe (AUTHZ_L2_TIMEOUT_MS). */
  timeoutMs: number;
  /** One cheap round trip to Redis (PING); rejects when Redis cannot answer. */
  probe: () => Promise<void>;
  logger: Logger;
}

/**
 * The L2 circuit breaker. Closed: requests use Redis. The first failure (error or
 * deadline) opens it: requests then skip L2 at no cost (status DEGRADED) instead of each
 * paying the L2 deadline. While open, a background probe (PING, bounded by the deadline)
 * runs at once and then every `windowMs`; the first success closes the breaker. The
 * immediate probe matters for false alarms: one call that missed its deadline because
 * the event loop was busy would otherwise send a healthy Redis's traffic to PostgreSQL
 * for a whole window. So a dead or silent Redis
 * costs one deadline per request in flight when it fails, and then nothing; the cache is
 * used again at most `windowMs` (+ the client's reconnect delay) after Redis returns.
 * Probes run off the request path, so no request pays for them.
 */
export class CircuitBreaker {
  private openSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: CircuitBreakerOptions) {}

  get isOpen(): boolean {
    return this.openSince !== null;
  }

  /** An L2 call failed: open (once) and start probing. */
  recordFailure(error: unknown): void {
    if (this.openSince !== null || this.stopped) return;
    this.openSince = Date.now();
    this.options.logger.warn({ event: 'authz_l2_breaker_open', err: error }, 'Redis failed: skipping L2 until a probe succeeds');
    this.schedule(0);
  }

  /** Stops probing (shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs = this.options.windowMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.runProbe(), delayMs);
    this.timer.unref();
  }

  private async runProbe(): Promise<void> {
    this.timer = null;
    try {
      await withDeadline(this.options.probe(), this.options.timeoutMs, 'L2 probe');
    } catch {
      this.schedule();
      return;
    }
    const openMs = Date.now() - (this.openSince ?? Date.now());
    this.openSince = null;
    this.options.logger.info({ event: 'authz_l2_breaker_closed', openMs }, 'Redis answers again: L2 back in use');
  }
}
