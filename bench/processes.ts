// Child processes of the benchmark: servers (gateway, baselines) and load generators,
// plus RSS sampling from /proc. Each server prints a ready line with its URL.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { L2AuthCost } from './l2-auth-cost';

export const ROOT = path.resolve(__dirname, '..');

export interface Server {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Node arguments that run a TypeScript file through tsx (no build needed). */
export const TSX = ['--import', 'tsx'];

/** The node arguments of `npm start` (package.json: `node [flags] dist/src/main.js`): the built gateway as deployed, flags included. */
export function gatewayStartArgs(): string[] {
  const start = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.trim().split(/\s+/);
  if (start[0] !== 'node' || start.at(-1) !== 'dist/src/main.js') throw new Error(`package.json's start script is not "node [flags] dist/src/main.js": ${start.join(' ')}`);
  return start.slice(1);
}

/**
 * Starts `node <args>` and resolves once a stdout line names the URL it listens on
 * (`ready http://...` from the baselines, pino's `authz-gateway ready` line from the
 * gateway). Fails with the process's stderr if it exits first.
 */
export function startServer(name: string, args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const url = /ready/.test(line) && /(http:\/\/[0-9.:a-z[\]]+)/.exec(line)?.[1];
        if (!url) continue;
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining later log lines
        child.off('exit', onExit);
        resolve({ name, url, pid: child.pid!, stop: () => stop(child) });
      }
    };
    const onExit = (code: number | null) => reject(new Error(`${name} exited (${code}) before it was ready:\n${stderr}${buffered}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then wait for the exit (the gateway closes every layer; --cpu-prof writes its profile). */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return exited.finally(() => clearTimeout(force));
}

/** Runs the load generator (bench/loadgen.ts) in its own process; resolves with its JSON result. */
export function runLoad<T>(job: object): Promise<T> {
  return runJsonChild<T>('loadgen.ts', [JSON.stringify(job)], 'load generator');
}

/** Runs bench/l2-auth-cost.ts in a process of its own (nothing else in its heap); resolves with its figures. */
export function runL2AuthCost(pairs: number): Promise<L2AuthCost> {
  return runJsonChild<L2AuthCost>('l2-auth-cost.ts', [String(pairs)], 'L2 authentication microbenchmark');
}

/** Runs bench/<script> through tsx; resolves with the JSON object on its last stdout line. */
function runJsonChild<T>(script: string, args: string[], what: string): Promise<T> {
  const child = spawn(process.execPath, [...TSX, path.join(ROOT, 'bench', script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as T);
      else reject(new Error(`${what} failed (${code}): ${err.slice(-2000)}`));
    });
  });
}

/** CPU time (user + system) a process has used so far, in microseconds, from /proc (Linux); 0 elsewhere. */
export function cpuMicros(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks: USER_HZ = 100 on Linux
  } catch {
    return 0;
  }
}

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `everyMs` until stopped: peak and the time series. */
export function sampleRss(pid: number, everyMs = 250) {
  const started = Date.now();
  const samples: Array<{ t: number; rssMb: number }> = [{ t: 0, rssMb: rssMb(pid) }];
  const timer = setInterval(() => samples.push({ t: (Date.now() - started) / 1000, rssMb: rssMb(pid) }), everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      samples.push({ t: (Date.now() - started) / 1000, rssMb: rssMb(pid) });
      return { peakMb: Math.max(...samples.map((s) => s.rssMb)), samples };
    },
  };
}
