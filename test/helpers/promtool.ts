import { execFile } from 'node:child_process';

export interface PromtoolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs Prometheus' `promtool` (Debian package `prometheus`; .ci/run installs it), optionally feeding `input` on stdin. */
export function promtool(args: string[], input?: string, cwd?: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('promtool', args, { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new Error(`promtool could not run (install the prometheus package): ${error.message}`));
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
    child.stdin!.end(input ?? '');
  });
}
