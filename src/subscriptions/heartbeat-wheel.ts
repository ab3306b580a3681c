import type { WebSocket } from 'ws';

/** Time between two visits of the wheel, at most; the sockets are spread over the slots. */
const TICK_MS = 250;
const MAX_SLOTS = 64;

/**
 * Keeps WebSocket connections alive and cuts dead ones, with one timer for all of them
 * (not a timer and a listener per socket per ping). Each socket is put in one of the
 * wheel's slots; every `intervalMs / slots` one slot is visited: a socket there that has
 * not answered the previous ping with a pong is terminated, every other one is pinged.
 * So each socket is pinged once per `intervalMs`, the first time about `intervalMs` after
 * it was added (it joins the slot visited last), and one that does not answer a ping
 * within `intervalMs` is cut. Sockets that connect at different times are pinged at
 * different times, so the pings of many sockets spread over the interval.
 */
export class HeartbeatWheel {
  private readonly slots: Array<Set<WebSocket>>;
  private readonly slotOf = new Map<WebSocket, Set<WebSocket>>();
  /** Sockets pinged that have not answered yet. */
  private readonly awaiting = new Set<WebSocket>();
  private readonly timer: NodeJS.Timeout;
  private turn = 0;
  /** One pong listener for every socket. */
  private readonly onPong: (this: WebSocket) => void;

  constructor(intervalMs: number) {
    const count = Math.max(1, Math.min(MAX_SLOTS, Math.floor(intervalMs / TICK_MS)));
    this.slots = Array.from({ length: count }, () => new Set<WebSocket>());
    const awaiting = this.awaiting;
    // One listener function for every socket: `this` is the socket that answered.
    this.onPong = function (this: WebSocket) {
      awaiting.delete(this);
    };
    this.timer = setInterval(() => this.visit(), intervalMs / count);
    this.timer.unref();
  }

  get size(): number {
    return this.slotOf.size;
  }

  add(socket: WebSocket): void {
    // The slot visited last is visited next after a whole interval.
    const slot = this.slots[this.turn]!;
    slot.add(socket);
    this.slotOf.set(socket, slot);
    socket.on('pong', this.onPong);
  }

  /** Forgets a socket (it closed); idempotent. */
  remove(socket: WebSocket): void {
    this.slotOf.get(socket)?.delete(socket);
    this.slotOf.delete(socket);
    this.awaiting.delete(socket);
    socket.off('pong', this.onPong);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private visit(): void {
    this.turn = (this.turn + 1) % this.slots.length;
    const slot = this.slots[this.turn]!;
    for (const socket of slot) {
      if (this.awaiting.has(socket)) {
        this.remove(socket);
        socket.terminate();
      } else if (socket.readyState === socket.OPEN) {
        this.awaiting.add(socket);
        socket.ping();
      }
    }
  }
}
