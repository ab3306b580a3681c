/**
 * The pasted API key or JWT lives in sessionStorage only: it is gone when the tab
 * closes, is never written to localStorage, cookies, the URL or any log.
 */
const KEY = 'authz-console.token';

export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage blocked (private mode policies): sign in again each time
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/** How the gateway authenticates callers, from GET /console/config.json. */
export interface ConsoleConfig {
  authMode: string;
}

export async function fetchConsoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console/config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /console/config.json answered HTTP ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}
