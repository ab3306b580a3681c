import type { Logger } from '../observability/logger';

/**
 * What was started, in order, so it can be stopped in reverse: each part registers its
 * stop right after it started. A failing stop is logged and the others still run.
 */
export class Lifecycle {
  private readonly stops: Array<{ name: string; stop: () => Promise<void> }> = [];

  constructor(private readonly logger: Logger) {}

  add(name: string, stop: () => Promise<void>): void {
    this.stops.push({ name, stop });
  }

  async stopAll(): Promise<void> {
    for (const { name, stop } of this.stops.splice(0).reverse()) {
      await stop().then(
        () => this.logger.debug({ component: name }, 'stopped'),
        (err: unknown) => this.logger.error({ err, component: name }, 'error while stopping'),
      );
    }
  }
}
