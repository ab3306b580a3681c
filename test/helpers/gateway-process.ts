import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT, TSX } from './cli';
import { TEST_L2_SIGNING_KEY } from './services';

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** Every JSON log line it printed so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** Every line it printed on stdout so far, as printed (what `grep` and Loki's line filters see). */
  readonly lines: string[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * The gateway as its own process (`src/main.ts` through tsx: what `npm start` runs,
 * from the sources and without its GC flag), on a free port, configured only through
 * `env`. Resolves once it logged that it is ready (so LOG_LEVEL must let info lines
 * through).
 */
export async function spawnGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(TSX, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'info', AUTHZ_L2_SIGNING_KEY: TEST_L2_SIGNING_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (typeof entry.url === 'string') resolve(entry.url.replace(/\/graphql$/, ''));
    });
  });
  return {
    child,
    url,
    logs,
    lines,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
