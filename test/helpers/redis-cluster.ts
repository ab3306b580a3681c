import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for';

const run = promisify(execFile);

export interface ClusterNode {
  readonly port: number;
  readonly process: ChildProcess;
  /** Slot ranges this master serves, e.g. [[0, 5460]]. */
  slots: Array<[number, number]>;
}

/**
 * A real three-master Redis Cluster on free local ports, started as child processes
 * (`redis-server --cluster-enabled yes`, then `redis-cli --cluster create`). Nothing is
 * persisted; `stop()` kills every node and removes the config directory.
 */
export class TestRedisCluster {
  private constructor(
    readonly nodes: ClusterNode[],
    private readonly dir: string,
  ) {}

  /** `127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`, as REDIS_CLUSTER_NODES takes it. */
  get seeds(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  static async start(size = 3): Promise<TestRedisCluster> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'authz-cluster-'));
    const nodes: ClusterNode[] = [];
    const cluster = new TestRedisCluster(nodes, dir);
    try {
      for (let i = 0; i < size; i++) {
        const port = await freeClusterPort(nodes.map((n) => n.port));
        const child = spawn('redis-server', [
          '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
          '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--dir', dir,
          '--save', '', '--appendonly', 'no', '--daemonize', 'no',
        ], { stdio: 'ignore' });
        nodes.push({ port, process: child, slots: [] });
      }
      for (const node of nodes) await waitFor(`node ${node.port} up`, () => cli(node.port, 'PING').then((o) => o === 'PONG'), { timeoutMs: 20_000, intervalMs: 50 });
      await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
      for (const node of nodes) {
        await waitFor(`node ${node.port} cluster_state:ok`, () => cli(node.port, 'CLUSTER', 'INFO').then((o) => o.includes('cluster_state:ok')), { timeoutMs: 20_000, intervalMs: 50 });
      }
      await cluster.readSlots();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** The node serving `slot`. */
  nodeForSlot(slot: number): ClusterNode {
    const node = this.nodes.find((n) => n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!node) throw new Error(`no node serves slot ${slot}`);
    return node;
  }

  /** Kills one node (SIGKILL: no goodbye to clients) and waits until it has exited. */
  async kill(node: ClusterNode): Promise<void> {
    if (node.process.exitCode !== null || node.process.signalCode !== null) return;
    const exited = new Promise((resolve) => node.process.once('exit', resolve));
    node.process.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) await this.kill(node);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async readSlots(): Promise<void> {
    // CLUSTER NODES lines: <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <state> <slot ranges...>
    const text = await cli(this.nodes[0]!.port, 'CLUSTER', 'NODES');
    for (const line of text.split('\n').filter(Boolean)) {
      const fields = line.trim().split(' ');
      const port = Number(fields[1]!.split('@')[0]!.split(':').pop());
      const node = this.nodes.find((n) => n.port === port);
      if (!node) continue;
      node.slots = fields.slice(8).map((r) => {
        const [a, b] = r.split('-').map(Number);
        return [a!, b ?? a!] as [number, number];
      });
    }
  }
}

async function cli(port: number, ...args: string[]): Promise<string> {
  try {
    return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout.trim();
  } catch {
    return '';
  }
}

/** A port that is free, with its cluster bus port (port + 10000) free too. */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
