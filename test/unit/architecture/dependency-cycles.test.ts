import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { folderCycles, importGraph } from '../../helpers/dependency-cycles';

/**
 * The layers import downwards only: no file and no folder of src/ imports itself
 * through others (docs/adr/no-import-cycles.md). The graph comes from madge, run
 * for real on the sources; generated code is left out.
 */
const ROOT = path.join(__dirname, '../../..');

test('src/ has no import cycle between files or between folders', async () => {
  const graph = await importGraph(path.join(ROOT, 'src'), { tsConfig: path.join(ROOT, 'tsconfig.json'), exclude: [/generated\//] });
  expect(Object.keys(graph.files).length).toBeGreaterThan(100); // madge read the sources
  expect(graph.files['app.ts']).toEqual(expect.arrayContaining(['composition/decision-chain.ts']));
  expect(graph.fileCycles).toEqual([]);
  expect(folderCycles(graph.files)).toEqual([]);
}, 60_000);

test('the check finds a cycle between folders that no file cycle shows', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authz-cycles-'));
  try {
    for (const folder of ['a', 'b']) mkdirSync(path.join(dir, folder));
    writeFileSync(path.join(dir, 'a/one.ts'), "import { two } from '../b/two';\nexport const one = two;\n");
    writeFileSync(path.join(dir, 'a/three.ts'), 'export const three = 3;\n');
    writeFileSync(path.join(dir, 'b/two.ts'), "import type { three } from '../a/three';\nexport const two: typeof three = 3;\n");
    const graph = await importGraph(dir);
    expect(graph.fileCycles).toEqual([]);
    expect(folderCycles(graph.files)).toEqual([{ folders: ['a', 'b'], imports: ['a/one.ts -> b/two.ts', 'b/two.ts -> a/three.ts'] }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
