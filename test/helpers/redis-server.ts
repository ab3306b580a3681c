import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createClient } from '@keyv/redis';
import { waitFor } from './wait-for';

type Redis = ReturnType<typeof createClient>;

/** A port on which nothing listens (bound, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A private `redis-server` for one test file, on its own port, with no persistence: the
 * fault tests kill, freeze (SIGSTOP), pause (CLIENT PAUSE) and restart it by PID without
 * touching the shared Redis other tests use.
 */
export class PrivateRedis {
  private process: ChildProcess | null = null;
  private admin: Redis | null = null;

  private constructor(
    readonly port: number,
    /** With AOF persistence (appendfsync everysec) in this directory; none: no persistence. */
    readonly aofDir?: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Starts a server on `port` (default: a free one) and waits until it answers PING. */
  static async start(port?: number, options: { aofDir?: string } = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(port ?? (await freePort()), options.aofDir);
    await redis.restart();
    return redis;
  }

  /** (Re)starts the server on the same port; resolves once it answers and has loaded its data. */
  async restart(): Promise<void> {
    if (this.process) throw new Error('redis-server is already running');
    const persistence = this.aofDir ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', this.aofDir] : ['--appendonly', 'no'];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: 'ignore' });
    this.process = child;
    child.once('exit', () => {
      if (this.process === child) this.process = null;
    });
    // The server takes a few ms to listen.
    await waitFor(`redis-server to accept connections on port ${this.port}`, async () => {
      const client: Redis = createClient({ url: this.url, socket: { reconnectStrategy: false } });
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch {
        return false;
      }
      this.admin = client;
      return true;
    });
    // Restarted from an AOF, it answers LOADING to reads until the file is loaded.
    await waitFor(`redis-server on port ${this.port} to finish loading its data`, async () => /^loading:0\r?$/m.test(String(await this.command(['INFO', 'persistence']))));
  }

  /** SIGKILL: the port is closed until `restart`. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.admin?.destroy();
    this.admin = null;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP / SIGCONT: the kernel still accepts connections, nothing ever answers. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  /** A command on the admin connection (CLIENT PAUSE, SET, INFO ...). */
  command(args: string[]): Promise<unknown> {
    if (!this.admin) throw new Error('redis-server is not running');
    return this.admin.sendCommand(args);
  }

  /** How many times Redis has run `command` (INFO commandstats). */
  async calls(command: string): Promise<number> {
    const info = String(await this.command(['INFO', 'commandstats']));
    const match = new RegExp(`cmdstat_${command.toLowerCase()}:calls=(\\d+)`).exec(info);
    return match ? Number(match[1]) : 0;
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.kill();
  }
}
