import type { Config } from './types';

/**
 * The parts of the configuration each operator script loads with `loadSections`, and so
 * the only variables it reads and validates (docs/configuration.md lists them; a test
 * keeps the two in step). `npm run preflight` reads no part of it: see preflight.ts.
 */
export const SCRIPT_PARTS = {
  'db:migrate': ['database'],
  apikey: ['database'],
  import: ['database', 'redis', 'cache', 'logLevel'],
} as const satisfies Record<string, ReadonlyArray<keyof Config>>;
