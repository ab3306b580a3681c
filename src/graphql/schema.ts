import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The SDL in `schema/`, the API's source of truth, whether run from src/ or dist/. */
export function loadTypeDefs(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'schema'), path.resolve(__dirname, '..', '..', '..', 'schema')];
  const dir = candidates.find((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.graphql'));
    } catch {
      return false;
    }
  });
  if (!dir) throw new Error(`schema/*.graphql not found (looked in ${candidates.join(', ')})`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}
