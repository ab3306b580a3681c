import net from 'node:net';

export type ProxyMode = 'pass' | 'refuse' | 'black-hole';

interface Link {
  client: net.Socket;
  upstream: net.Socket | null;
  holed: boolean;
}

/**
 * A cuttable TCP link to `target` on its own local port, for one client's view of a
 * server (a gateway's Redis link). Modes:
 * - `pass`: forwards both ways (links black-holed before are dropped, so clients reconnect);
 * - `refuse`: closes every open link and refuses new ones (the port stops listening);
 * - `black-hole`: open and new links are accepted and kept, but nothing is forwarded
 *   either way (a silent network: only the client's own deadline ends a command).
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private server: net.Server | null = null;
  private current: ProxyMode = 'pass';

  private constructor(
    private readonly target: { host: string; port: number },
    private portNumber: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, 0);
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    return this.portNumber;
  }

  get mode(): ProxyMode {
    return this.current;
  }

  /** Client connections accepted so far that are still open. */
  get openLinks(): number {
    return this.links.size;
  }

  async pass(): Promise<void> {
    this.current = 'pass';
    for (const link of [...this.links]) if (link.holed) this.drop(link);
    if (!this.server) await this.listen();
  }

  async refuse(): Promise<void> {
    this.current = 'refuse';
    for (const link of [...this.links]) this.drop(link);
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async blackHole(): Promise<void> {
    this.current = 'black-hole';
    for (const link of this.links) link.holed = true;
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.refuse();
  }

  private async listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNumber, '127.0.0.1', () => resolve());
    });
    this.portNumber = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  private accept(client: net.Socket): void {
    const link: Link = { client, upstream: null, holed: this.current !== 'pass' };
    this.links.add(link);
    client.on('error', () => this.drop(link));
    client.on('close', () => this.drop(link));
    client.on('data', (chunk) => {
      if (!link.holed) link.upstream?.write(chunk);
    });
    if (link.holed) return;
    client.pause();
    const upstream = net.connect(this.target.port, this.target.host, () => client.resume());
    link.upstream = upstream;
    upstream.on('data', (chunk) => {
      if (!link.holed) client.write(chunk);
    });
    upstream.on('error', () => this.drop(link));
    upstream.on('close', () => this.drop(link));
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  }
}
