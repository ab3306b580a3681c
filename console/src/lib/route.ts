/**
 * The console's routes: `/console/<org>/<view>`, so a reload or a shared link opens
 * the same organization and view. Never holds credentials. Pure code.
 */
export const VIEWS = ['roles', 'members', 'check', 'who-can', 'activity', 'health'] as const;
export type View = (typeof VIEWS)[number];

export interface Route {
  org: string | null;
  view: View;
}

const BASE = '/console';

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const [org, view] = rest.split('/').filter(Boolean).map(safeDecode);
  return { org: org ?? null, view: VIEWS.includes(view as View) ? (view as View) : 'roles' };
}

export function routePath(route: Route): string {
  return route.org === null ? `${BASE}/` : `${BASE}/${encodeURIComponent(route.org)}/${route.view}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
