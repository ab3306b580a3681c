import { Writable } from 'node:stream';

/** A stream for a pino logger that keeps every line it writes, parsed, in `lines` (nothing goes to jest's output). */
export function logLines(): { lines: Array<Record<string, any>>; stream: Writable } {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, any>);
      done();
    },
  });
  return { lines, stream };
}
