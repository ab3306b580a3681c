// The memory of a gateway process as it sees it (process.memoryUsage() after a full
// garbage collection), read through the Node inspector: the process runs with
// `--inspect=127.0.0.1:<port>` (see `inspectArgs`), and a session is opened only for the
// reading. RSS from /proc alone counts garbage not yet collected and heap V8 has not yet
// returned to the system, which say little about what idle subscriptions keep.
import { createServer } from 'node:net';
import WebSocket from 'ws';

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Node arguments that open the inspector on a free local port; `port` is where. */
export async function inspectArgs(): Promise<{ args: string[]; port: number }> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  return { args: [`--inspect=127.0.0.1:${port}`], port };
}

/** Collects garbage in the process whose inspector listens on `port`, then returns its process.memoryUsage() in MB. */
export async function memoryAfterGc(port: number): Promise<Memory> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<{ result?: { result?: { value?: string } } }>((resolve, reject) => {
      const own = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data)) as { id?: number; error?: unknown };
        if (message.id !== own) return;
        socket.off('message', onMessage);
        if (message.error) reject(new Error(JSON.stringify(message.error)));
        else resolve(message as { result?: { result?: { value?: string } } });
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: own, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const reply = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const usage = JSON.parse(reply.result!.result!.value!) as Record<keyof Memory, number>;
    const mb = (bytes: number) => bytes / 1024 / 1024;
    return { rss: mb(usage.rss), heapUsed: mb(usage.heapUsed), external: mb(usage.external), arrayBuffers: mb(usage.arrayBuffers) };
  } finally {
    socket.close();
  }
}
