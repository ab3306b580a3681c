import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { Client } from './client';

export const ClientContext = createContext<Client | null>(null);

export function useClient(): Client {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside <ClientContext.Provider>');
  return client;
}

export type Loaded<T> = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; data: T };

/**
 * Loads data when `key` changes, and again on `reload()`. While reloading, the last
 * data stays on screen (no flash of "Loading"); an answer that arrives after a newer
 * load started is dropped, so quick changes never show stale results.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> & { reload: () => Promise<void> } {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const data = await loadRef.current();
      if (mine === generation.current) setState({ status: 'ready', data });
    } catch (error) {
      if (mine === generation.current) setState({ status: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }, []);
  useEffect(() => {
    setState({ status: 'loading' });
    void reload();
  }, [key, reload]);
  return { ...state, reload };
}

export type Notice = { kind: 'ok' | 'error'; text: string } | null;

/**
 * Runs mutations one at a time and says how each ended. On failure nothing else
 * happens: the view keeps what it showed and the form keeps what was typed.
 * `action` returns the sentence to show on success.
 */
export function useAction(): { busy: boolean; notice: Notice; run: (action: () => Promise<string>) => Promise<boolean>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const run = useCallback(async (action: () => Promise<string>) => {
    setBusy(true);
    setNotice(null);
    try {
      setNotice({ kind: 'ok', text: await action() });
      return true;
    } catch (error) {
      setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, notice, run, clear: useCallback(() => setNotice(null), []) };
}
