import path from 'node:path';
// madge ships no type declarations; this is the part of its API used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const madge = require('madge') as (
  paths: string | string[],
  config: { baseDir: string; fileExtensions: string[]; tsConfig?: string; excludeRegExp?: RegExp[] },
) => Promise<{ obj(): Record<string, string[]>; circular(): string[][] }>;

/** The import graph of the TypeScript files under `dir` (relative paths), by madge. */
export async function importGraph(dir: string, options: { tsConfig?: string; exclude?: RegExp[] } = {}) {
  const graph = await madge(dir, { baseDir: dir, fileExtensions: ['ts'], tsConfig: options.tsConfig, excludeRegExp: options.exclude });
  return { files: graph.obj(), fileCycles: graph.circular() };
}

/**
 * Cycles between folders: every folder is a unit (a subfolder is a unit of its own), and
 * folder A depends on folder B when a file in A imports a file in B, type-only imports
 * included. Returns each strongly connected group of two or more folders, with one
 * import per edge inside it, so a failure says which imports close the cycle.
 */
export function folderCycles(files: Record<string, string[]>): Array<{ folders: string[]; imports: string[] }> {
  const edges = new Map<string, Map<string, string>>();
  for (const [file, deps] of Object.entries(files)) {
    for (const dep of deps) {
      const from = path.dirname(file);
      const to = path.dirname(dep);
      if (from === to) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, `${file} -> ${dep}`);
    }
  }
  const groups = stronglyConnected([...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])], (v) => [...(edges.get(v)?.keys() ?? [])]);
  return groups
    .filter((g) => g.length > 1)
    .map((folders) => ({
      folders: folders.sort(),
      imports: folders.flatMap((a) => folders.flatMap((b) => (edges.get(a)?.has(b) ? [edges.get(a)!.get(b)!] : []))),
    }));
}

/** Tarjan's algorithm. */
function stronglyConnected(nodes: string[], next: (v: string) => string[]): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      groups.push(group);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return groups;
}
