import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm' with { 'resolution-mode': 'import' };

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
): Promise<SchemaEngine> {
  const bindings = await loadBindings();
  return bindings.SchemaEngine.new(
    { datamodels: schemaFiles.map((f) => [f.path, f.content] as [string, string]) },
    (message: string) => onLog(message),
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}

type Bindings = typeof import('@prisma/schema-engine-wasm', { with: { 'resolution-mode': 'import' } });

/** The part of the WebAssembly global we use (Node has it; the DOM lib that types it is not loaded). */
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<unknown>;
  instantiate(module: unknown, imports: Record<string, unknown>): Promise<{ exports: Record<string, unknown> }>;
};
let loaded: Promise<Bindings> | undefined;

function loadBindings(): Promise<Bindings> {
  loaded ??= (async () => {
    const require = createRequire(__filename);
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    // The bindings are an ES module; a dynamic import keeps working from CommonJS.
    const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as Bindings & {
      __wbg_set_wasm(exports: Record<string, unknown>): void;
    };
    const bytes = await readFile(bgPath.replace(/\.js$/, '.wasm'));
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, {
      './schema_engine_bg.js': bg,
    });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return loaded;
}
