import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { TEST_REDIS_URL } from './services';

/**
 * Counts the Redis commands that touch keys with a given prefix, as Redis itself saw
 * them (MONITOR). Deterministic: `commandsDuring` ends with a marker command sent after
 * the work, and waits until MONITOR has reported the marker, so every earlier command
 * has been reported too (Redis executes and reports commands in order).
 */
type Redis = ReturnType<typeof createClient>;

export class RedisMonitor {
  private lines: string[] = [];
  private waiters = new Map<string, () => void>();
  private constructor(
    private readonly monitor: Redis,
    private readonly control: Redis,
  ) {}

  static async start(): Promise<RedisMonitor> {
    const monitor: Redis = createClient({ url: TEST_REDIS_URL });
    const control: Redis = createClient({ url: TEST_REDIS_URL });
    await Promise.all([monitor.connect(), control.connect()]);
    const instance = new RedisMonitor(monitor, control);
    await monitor.monitor((line: string) => instance.onLine(line));
    return instance;
  }

  /**
   * The commands (name and arguments, as MONITOR prints them) whose text contains
   * `prefix`, issued by `work`. `clientsOnly`: without the commands Lua scripts ran
   * (MONITOR lists those too, as from `lua`): what clients sent, one line per command.
   */
  async commandsDuring(prefix: string, work: () => Promise<unknown>, options: { clientsOnly?: boolean } = {}): Promise<string[]> {
    await this.sync();
    this.lines = [];
    await work();
    await this.sync();
    return this.lines
      .filter((l) => l.includes(prefix) && !(options.clientsOnly && /^[\d.]+ \[\d+ lua\] /.test(l)))
      .map((l) => l.replace(/^[\d.]+ \[[^\]]*\] /, ''));
  }

  async stop(): Promise<void> {
    await Promise.all([this.monitor.destroy(), this.control.close()]);
  }

  private async sync(): Promise<void> {
    const marker = `monitor-sync-${randomBytes(6).toString('hex')}`;
    const seen = new Promise<void>((resolve) => this.waiters.set(marker, resolve));
    await this.control.echo(marker);
    await seen;
  }

  private onLine(line: string): void {
    for (const [marker, resolve] of this.waiters) {
      if (line.includes(marker)) {
        this.waiters.delete(marker);
        resolve();
        return;
      }
    }
    this.lines.push(line);
  }
}
