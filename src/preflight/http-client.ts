/** A response as the preflight checks look at it: status, headers and the body parsed if JSON. */
export interface Fetched {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

/** Bearer credentials of the preflight run: for the API (API key or JWT) and for /ready and /metrics (METRICS_TOKEN). */
const credentials: { api?: string; ops?: string } = {};

export function useCredentials(api: string | undefined, ops: string | undefined): void {
  credentials.api = api;
  credentials.ops = ops;
}

/** Fetches with a deadline; a network failure rejects with a one-line message. */
export async function fetchFrom(baseUrl: string, path: string, init: RequestInit = {}, timeoutMs = 5_000): Promise<Fetched> {
  let response: Response;
  const token = path === '/ready' || path === '/metrics' ? credentials.ops : path === '/health' ? undefined : credentials.api;
  const headers = new Headers(init.headers);
  if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  try {
    response = await fetch(new URL(path, baseUrl), { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new Error(`${init.method ?? 'GET'} ${path} failed${cause || (error instanceof Error ? `: ${error.message}` : '')}`);
  }
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: callers check `json` and report the shape problem
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function postJson(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Fetched> {
  return fetchFrom(baseUrl, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}
