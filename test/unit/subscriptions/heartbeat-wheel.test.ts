import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { HeartbeatWheel } from '../../../src/subscriptions/heartbeat-wheel';

/** A socket that counts pings and terminations; `answer` emits the pong. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  pings = 0;
  terminated = false;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
  answer(): void {
    this.emit('pong');
  }
}

const asSocket = (s: FakeSocket) => s as unknown as WebSocket;

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('each socket is pinged once per interval, the first time one interval after it was added; one that answers stays', () => {
  const wheel = new HeartbeatWheel(1_000);
  const early = new FakeSocket();
  wheel.add(asSocket(early));
  jest.advanceTimersByTime(500);
  const late = new FakeSocket();
  wheel.add(asSocket(late));
  jest.advanceTimersByTime(499);
  expect([early.pings, late.pings]).toEqual([0, 0]);
  jest.advanceTimersByTime(1);
  expect([early.pings, late.pings]).toEqual([1, 0]);
  early.answer();
  jest.advanceTimersByTime(500);
  expect([early.pings, late.pings]).toEqual([1, 1]);
  late.answer();
  jest.advanceTimersByTime(1_000);
  expect([early.pings, late.pings]).toEqual([2, 2]);
  expect(early.terminated || late.terminated).toBe(false);
  wheel.stop();
});

test('a socket that does not answer a ping within the interval is terminated and forgotten; a removed one is no longer pinged', () => {
  const wheel = new HeartbeatWheel(1_000);
  const silent = new FakeSocket();
  const gone = new FakeSocket();
  wheel.add(asSocket(silent));
  wheel.add(asSocket(gone));
  jest.advanceTimersByTime(1_000);
  expect([silent.pings, gone.pings]).toEqual([1, 1]);
  wheel.remove(asSocket(gone));
  expect(gone.listenerCount('pong')).toBe(0);
  jest.advanceTimersByTime(1_000);
  expect(silent.terminated).toBe(true);
  expect(gone.pings).toBe(1);
  expect(wheel.size).toBe(0);
  wheel.stop();
});

test('sockets added at different times are pinged on different ticks', () => {
  const wheel = new HeartbeatWheel(1_000);
  const sockets = Array.from({ length: 4 }, () => new FakeSocket());
  for (const socket of sockets) {
    wheel.add(asSocket(socket));
    jest.advanceTimersByTime(250);
  }
  // 1 s after the first was added, only it has been pinged.
  expect(sockets.map((s) => s.pings)).toEqual([1, 0, 0, 0]);
  wheel.stop();
});
