/** A response as the readiness checks look at it: status, headers and the body parsed if JSON. */
export interface Fetched {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

/** Fetches with a deadline; a network failure rejects with a one-line message. */
export async function fetchFrom(baseUrl: string, path: string, init: RequestInit = {}, timeoutMs = 5_000): Promise<Fetched> {
  let response: Response;
  try {
    response = await fetch(new URL(path, baseUrl), { ...init, signal: AbortSignal.timeout(timeoutMs) });
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
