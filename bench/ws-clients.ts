// Raw graphql-transport-ws clients for bench/subscriptions.ts: lighter than a graphql-ws
// client per socket, so that 10,000 of them fit in the bench process next to the server.
import WebSocket from 'ws';

const SUBSCRIPTION = 'subscription S($u: ID!, $o: ID!) { permissionsChanged(userId: $u, orgId: $o) { permissions } }';

export interface BenchSubscriber {
  readonly socket: WebSocket;
  /** Sends a subscribe for (user, org) on this connection. */
  subscribe(userId: string, orgId: string): void;
}

/** Subscriptions that ended with an `error` message and were sent again (as a client would). */
export const retried = { count: 0 };

/** Opens a connection to `base`'s /graphql and waits for `connection_ack`; answers pings; every set goes to `onSet`. */
export async function connect(base: string, authorization: string | undefined, onSet: (permissions: string[]) => void): Promise<BenchSubscriber> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
  let acked!: () => void;
  const ack = new Promise<void>((resolve) => (acked = resolve));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: string; type: string; payload?: { data?: { permissionsChanged: { permissions: string[] } }; errors?: unknown } };
    if (message.type === 'connection_ack') acked();
    else if (message.type === 'next' && message.payload?.data) onSet(message.payload.data.permissionsChanged.permissions);
    else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
    else if (message.type === 'error' && message.id && subscriptions.has(message.id)) {
      // AUTHZ_UNAVAILABLE (the store did not answer in time): subscribe again.
      retried.count++;
      const [u, o] = subscriptions.get(message.id)!;
      subscriptions.delete(message.id);
      setTimeout(() => subscribe(u, o), 100);
    } else if (message.type === 'error' || message.payload?.errors) throw new Error(JSON.stringify(message));
  });
  const subscriptions = new Map<string, [string, string]>();
  let id = 0;
  const subscribe = (u: string, o: string) => {
    const key = String(++id);
    subscriptions.set(key, [u, o]);
    socket.send(JSON.stringify({ id: key, type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { u, o } } }));
  };
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} }));
  await ack;
  return { socket, subscribe };
}

/**
 * `connections` connections with `perConnection` subscriptions each, to pairs taken in
 * turn from `pairs`, 250 connections at a time (each batch once the one before got its
 * first sets); resolves once every subscription got its first set.
 */
export async function idleSubscribers(base: string, authorization: string | undefined, pairs: ReadonlyArray<{ userId: string; orgId: string }>, connections: number, perConnection: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let received = 0;
  let next = 0;
  for (let i = 0; i < connections; i += 250) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(250, connections - i) }, async () => {
        const client = await connect(base, authorization, () => received++);
        for (let k = 0; k < perConnection; k++) {
          const pair = pairs[next++ % pairs.length]!;
          client.subscribe(pair.userId, pair.orgId);
        }
        return client.socket;
      }),
    );
    sockets.push(...batch);
    await waitFor(() => received >= next, 120_000);
  }
  return sockets;
}

/** Closes the sockets and waits until each one is closed. */
export async function closeAll(sockets: readonly WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => (s.readyState === WebSocket.CLOSED ? resolve() : (s.once('close', () => resolve()), s.close())))));
}

/** Polls `condition` every millisecond until it holds, or throws after `boundMs`. */
export async function waitFor(condition: () => boolean, boundMs = 15_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Waits `ms` (the bench's settle and measurement intervals; not synchronisation). */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
