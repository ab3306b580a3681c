import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REVIEWED_SCHEMA_ENGINE_VERSION } from '../../../src/store/migrations/schema-engine';

/**
 * The schema engine is a pre-release build driven through its wasm-bindgen glue
 * (src/store/migrations/schema-engine.ts). A new build is taken only after a review
 * (docs/adr/migrations-schema-engine.md): until REVIEWED_SCHEMA_ENGINE_VERSION, the exact
 * pin in package.json, the lock file and the installed package name the same build,
 * this test fails and says which one moved.
 */
const ROOT = path.join(__dirname, '..', '..', '..');
const NAME = '@prisma/schema-engine-wasm';
const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));

test('package.json pins the reviewed schema engine build exactly, and that build is locked and installed', () => {
  const found = {
    'package.json dependency': json('package.json').dependencies[NAME],
    'package-lock.json root dependency': json('package-lock.json').packages[''].dependencies[NAME],
    'package-lock.json resolved version': json('package-lock.json').packages[`node_modules/${NAME}`].version,
    'installed version': json(`node_modules/${NAME}/package.json`).version,
  };
  const problems = Object.entries(found)
    .filter(([, version]) => version !== REVIEWED_SCHEMA_ENGINE_VERSION)
    .map(([where, version]) => `${where} is ${JSON.stringify(version)}, the reviewed build is ${REVIEWED_SCHEMA_ENGINE_VERSION}: review schema-engine.ts for the new build (docs/adr/migrations-schema-engine.md) or pin the reviewed one`);
  expect(problems).toEqual([]);
});
