import { OrganizationsQuery } from './api/documents';
import { useClient, useLoad } from './api/hooks';
import type { CacheTallyStore } from './api/tally-store';
import { Empty, LoadError, Loading } from './components/ui';
import { type Route, VIEWS, type View } from './lib/route';
import { ActivityView } from './views/ActivityView';
import { CheckView } from './views/CheckView';
import { HealthView } from './views/HealthView';
import { MembersView } from './views/MembersView';
import { RolesView } from './views/RolesView';
import { WhoCanView } from './views/WhoCanView';

const LABELS: Record<View, string> = { roles: 'Roles', members: 'Members', check: 'Check & explain', 'who-can': 'Who can…', activity: 'Activity', health: 'Health' };

/** Header with the organization picker and the view tabs, then the current view. */
export function Workspace({ route, navigate, tally, onSignOut }: { route: Route; navigate: (r: Route) => void; tally: CacheTallyStore; onSignOut: (() => void) | null }) {
  const client = useClient();
  const orgs = useLoad(async () => (await client.request(OrganizationsQuery, {})).data.organizations, 'orgs');
  const orgId = route.org;

  return (
    <>
      <header className="top">
        <h1>authz-gateway <span className="muted">console</span></h1>
        <div className="org-picker">
          <label htmlFor="org">Organization</label>
          <select id="org" value={orgId ?? ''} disabled={orgs.status !== 'ready'} onChange={(e) => navigate({ org: e.target.value || null, view: route.view })}>
            <option value="">Choose…</option>
            {orgs.status === 'ready' ? orgs.data.map((o) => <option key={o.id} value={o.id}>{o.name} ({o.id})</option>) : null}
            {orgId && orgs.status === 'ready' && !orgs.data.some((o) => o.id === orgId) ? <option value={orgId}>{orgId} (unknown)</option> : null}
          </select>
        </div>
        {onSignOut ? <button type="button" onClick={onSignOut}>Sign out</button> : null}
      </header>
      {orgId ? (
        <nav className="tabs" aria-label="Views">
          {VIEWS.map((v) => (
            <a key={v} href={`/console/${encodeURIComponent(orgId)}/${v}`} aria-current={route.view === v ? 'page' : undefined}
              onClick={(e) => { if (e.metaKey || e.ctrlKey || e.shiftKey) return; e.preventDefault(); navigate({ org: orgId, view: v }); }}>
              {LABELS[v]}
            </a>
          ))}
        </nav>
      ) : null}
      <main className="page" id="main">
        {orgs.status === 'loading' ? <Loading what="organizations" /> : null}
        {orgs.status === 'error' ? <LoadError message={orgs.message} onRetry={orgs.reload} /> : null}
        {orgs.status === 'ready' && !orgId ? (
          orgs.data.length === 0 ? <Empty title="No organizations yet.">Create one with the createOrganization mutation or `npm run import`.</Empty> : (
            <section aria-labelledby="pick-title">
              <h2 id="pick-title">Pick an organization</h2>
              <ul className="cards org-list">
                {orgs.data.map((o) => (
                  <li key={o.id} className="card">
                    <a href={`/console/${encodeURIComponent(o.id)}/roles`} onClick={(e) => { e.preventDefault(); navigate({ org: o.id, view: 'roles' }); }}>
                      <strong>{o.name}</strong> <span className="muted">({o.id})</span>
                    </a>
                    <span className="muted">{o.memberCount} members</span>
                  </li>
                ))}
              </ul>
            </section>
          )
        ) : null}
        {orgId ? <CurrentView key={orgId} orgId={orgId} view={route.view} tally={tally} /> : null}
      </main>
    </>
  );
}

function CurrentView({ orgId, view, tally }: { orgId: string; view: View; tally: CacheTallyStore }) {
  switch (view) {
    case 'roles': return <RolesView orgId={orgId} />;
    case 'members': return <MembersView orgId={orgId} />;
    case 'check': return <CheckView orgId={orgId} />;
    case 'who-can': return <WhoCanView orgId={orgId} />;
    case 'activity': return <ActivityView orgId={orgId} />;
    case 'health': return <HealthView tally={tally} />;
  }
}
