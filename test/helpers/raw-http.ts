import net from 'node:net';

export interface RawResponse {
  status: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

/**
 * One keep-alive HTTP/1.1 connection on a plain socket, for tests that must know when
 * requests reach the server: `post` writes its requests to the socket before it returns
 * (one write, pipelined when there are several), which fetch does not promise. With the
 * gateway in the same process, requests written in one synchronous block are all in its
 * sockets before its event loop reads any of them. Responses must carry Content-Length.
 */
export class RawHttpConnection {
  private buffer = Buffer.alloc(0);
  private waiting: Array<{ resolve: (r: RawResponse) => void; reject: (e: Error) => void }> = [];

  private constructor(
    private readonly socket: net.Socket,
    private readonly host: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    const fail = (error: Error) => this.waiting.splice(0).forEach((w) => w.reject(error));
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(baseUrl: string): Promise<RawHttpConnection> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
        socket.off('error', reject);
        resolve(new RawHttpConnection(socket, url.host));
      });
      socket.once('error', reject);
    });
  }

  /** Writes one GET of `path` now; resolves with the response. */
  get(path: string): Promise<RawResponse> {
    const response = new Promise<RawResponse>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.host}\r\n\r\n`);
    return response;
  }

  /** Writes one POST per body to `path` now, in one write; resolves with the responses in order. */
  post(path: string, bodies: readonly string[]): Promise<RawResponse[]> {
    const text = bodies
      .map((body) => `POST ${path} HTTP/1.1\r\nHost: ${this.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
      .join('');
    const responses = bodies.map(() => new Promise<RawResponse>((resolve, reject) => this.waiting.push({ resolve, reject })));
    this.socket.write(text);
    return Promise.all(responses);
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
      if (length === undefined) throw new Error(`response without Content-Length:\n${head}`);
      const total = end + 4 + Number(length);
      if (this.buffer.length < total) return;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const body = this.buffer.subarray(end + 4, total).toString('utf8');
      this.buffer = this.buffer.subarray(total);
      const headers = Object.fromEntries(
        head.split('\r\n').slice(1).map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      this.waiting.shift()?.resolve({ status, headers, body });
    }
  }
}
