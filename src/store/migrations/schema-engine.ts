import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm' with { 'resolution-mode': 'import' };

/**
 * The one build of `@prisma/schema-engine-wasm` this module was reviewed against (pinned
 * exactly in package.json; docs/adr/migrations-schema-engine.md). The loader below relies
 * on wasm-bindgen internals of that build, so a new build is taken only after a review:
 * test/unit/store/schema-engine-pin.test.ts fails until this constant, the pin and the
 * installed package agree.
 */
export const REVIEWED_SCHEMA_ENGINE_VERSION = '8.1.0-2.59be4fda12412a79eeb9c2ae727b6aa723593323';

/** An open engine; `close` frees it and, once no engine is open, its pending timers. */
export interface SchemaEngineSession {
  readonly engine: SchemaEngine;
  close(): void;
}

/**
 * Prisma's own schema engine, compiled to WebAssembly. The native engine cannot be
 * downloaded on every machine, and the package's ESM entry imports a `.wasm` file that
 * Node 20 refuses, so we instantiate the module ourselves (docs/architecture.md, data
 * model and migrations). Migrations applied through it are recorded in
 * `_prisma_migrations` exactly as `prisma migrate deploy` records them.
 */
export async function openSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schemaFiles: Array<{ path: string; content: string }>,
  onLog: (message: string) => void = () => undefined,
): Promise<SchemaEngineSession> {
  const bindings = await loadBindings();
  const engine = await bindings.SchemaEngine.new(
    { datamodels: schemaFiles.map((f) => [f.path, f.content] as [string, string]) },
    (message: string) => onLog(message),
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
  openEngines++;
  let closed = false;
  return {
    engine,
    close: () => {
      if (closed) return;
      closed = true;
      engine.free();
      if (--openEngines === 0) clearEngineTimers();
    },
  };
}

type Bindings = typeof import('@prisma/schema-engine-wasm', { with: { 'resolution-mode': 'import' } });
type Timer = ReturnType<typeof setTimeout>;

/** The part of the WebAssembly global we use (Node has it; the DOM lib that types it is not loaded). */
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<unknown>;
  instantiate(module: unknown, imports: Record<string, unknown>): Promise<{ exports: Record<string, unknown> }>;
};
let loaded: Promise<Bindings> | undefined;
let openEngines = 0;

/**
 * Timers the engine set and that have not fired. The engine races its work against
 * timeouts (10 s for the migration lock) and never clears one (the build imports no
 * clearTimeout), so each would keep the process alive for its full length after the
 * work is done: `npm run db:migrate` exited ~10 s after it finished. Once no engine is
 * open, nothing waits on them, and they are cleared.
 */
const engineTimers = new Set<Timer>();

function clearEngineTimers(): void {
  for (const timer of engineTimers) clearTimeout(timer);
  engineTimers.clear();
}

function loadBindings(): Promise<Bindings> {
  loaded ??= (async () => {
    const require = createRequire(__filename);
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    // The bindings are an ES module; a dynamic import keeps working from CommonJS.
    const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as Bindings & Record<string, unknown>;
    const internals = ['__wbg_set_wasm'].filter((name) => typeof bg[name] !== 'function');
    const setTimeoutImports = Object.keys(bg).filter((name) => name.startsWith('__wbg_setTimeout_'));
    if (internals.length > 0 || setTimeoutImports.length !== 1) {
      throw new Error(
        `@prisma/schema-engine-wasm is not the build this loader was reviewed against (${REVIEWED_SCHEMA_ENGINE_VERSION}): its wasm-bindgen glue changed. Pin the reviewed build in package.json, or review src/store/migrations/schema-engine.ts for the new one`,
      );
    }
    const setTimeoutImport = setTimeoutImports[0]!;
    const bytes = await readFile(bgPath.replace(/\.js$/, '.wasm'));
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, {
      './schema_engine_bg.js': {
        ...bg,
        [setTimeoutImport]: (callback: () => void, ms: number) => {
          const timer: Timer = setTimeout(() => {
            engineTimers.delete(timer);
            callback();
          }, ms >>> 0);
          engineTimers.add(timer);
          return timer;
        },
      },
    });
    (bg.__wbg_set_wasm as (exports: Record<string, unknown>) => void)(instance.exports);
    const start = instance.exports.__wbindgen_start;
    if (typeof start !== 'function') throw new Error(`@prisma/schema-engine-wasm: the module has no __wbindgen_start (reviewed build: ${REVIEWED_SCHEMA_ENGINE_VERSION})`);
    (start as () => void)();
    return bg;
  })();
  return loaded;
}
