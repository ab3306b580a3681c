import { useEffect, useMemo, useState } from 'react';
import { createClient } from './api/client';
import { ClientContext } from './api/hooks';
import { clearToken, type ConsoleConfig, fetchConsoleConfig, loadToken, saveToken } from './api/session';
import { createTallyStore } from './api/tally-store';
import { LoadError, Loading } from './components/ui';
import { parseRoute, type Route, routePath } from './lib/route';
import { SignIn } from './SignIn';
import { Workspace } from './Workspace';

/**
 * Finds out how the gateway authenticates (GET /console/config.json), signs in when it
 * must (token in sessionStorage only), then shows the workspace. The route lives in
 * the path (`/console/<org>/<view>`), never the token.
 */
export function App() {
  const [config, setConfig] = useState<ConsoleConfig | 'loading' | Error>('loading');
  const [token, setToken] = useState<string | null>(() => loadToken());
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));
  const tally = useMemo(() => createTallyStore(), []);
  // The client reads the token per request, so signing out takes effect at once.
  const client = useMemo(() => createClient({ token: () => loadToken(), onAuthz: (a) => tally.add(a) }), [tally]);

  const loadConfig = () => {
    setConfig('loading');
    fetchConsoleConfig().then(setConfig, (e: unknown) => setConfig(e instanceof Error ? e : new Error(String(e))));
  };
  useEffect(loadConfig, []);
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (next: Route) => {
    if (routePath(next) !== window.location.pathname) window.history.pushState(null, '', routePath(next));
    setRoute(next);
  };

  if (config === 'loading') return <main className="page"><Loading what="the console" /></main>;
  if (config instanceof Error) return <main className="page"><LoadError message={`Cannot reach the gateway: ${config.message}`} onRetry={loadConfig} /></main>;
  const authOff = config.authMode === 'none';
  if (!authOff && !token) {
    return <SignIn authMode={config.authMode} onSignIn={(t) => { saveToken(t); setToken(t); }} />;
  }
  return (
    <ClientContext.Provider value={client}>
      {authOff ? (
        <div className="banner" role="note">
          Authentication is off (AUTH_MODE=none): anyone who can reach this gateway can read and change every policy.
        </div>
      ) : null}
      <Workspace route={route} navigate={navigate} tally={tally} onSignOut={authOff ? null : () => { clearToken(); setToken(null); }} />
    </ClientContext.Provider>
  );
}
