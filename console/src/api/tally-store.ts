import type { AuthzExtension } from './client';
import { addFigures, type CacheFigures, EMPTY_FIGURES } from '../lib/cache-tally';

/** The cache figures of this page's requests, as a store React can subscribe to. */
export interface CacheTallyStore {
  add(authz: AuthzExtension): void;
  get(): CacheFigures;
  subscribe(listener: () => void): () => void;
}

export function createTallyStore(): CacheTallyStore {
  let figures = EMPTY_FIGURES;
  const listeners = new Set<() => void>();
  return {
    add(authz) {
      figures = addFigures(figures, authz.cache);
      for (const listener of listeners) listener();
    },
    get: () => figures,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
