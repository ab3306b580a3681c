import { createClient } from 'graphql-ws';
import { useEffect, useRef } from 'react';
import { PermissionsChangedSubscription } from './documents';
import { loadToken } from './session';

/**
 * Calls `onChange` whenever the subject's permission set changes on the gateway (the
 * `permissionsChanged` subscription over WebSocket on this origin's /graphql). The
 * first set, the current one, is not a change. One connection per subject, closed when
 * the subject changes or the view goes away; the token is read at each (re)connect.
 */
export function usePermissionsChanged(subject: { userId: string; orgId: string } | null, onChange: () => void): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  const userId = subject?.userId ?? null;
  const orgId = subject?.orgId ?? null;
  useEffect(() => {
    if (userId === null || orgId === null) return undefined;
    const client = createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
      connectionParams: () => {
        const token = loadToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
    });
    let first = true;
    const stop = client.subscribe(
      { query: PermissionsChangedSubscription.toString(), variables: { userId, orgId } },
      {
        next: () => {
          if (first) first = false;
          else callback.current();
        },
        // A refused or lost subscription only means no live updates; checks still work.
        error: () => undefined,
        complete: () => undefined,
      },
    );
    return () => {
      stop();
      void client.dispose();
    };
  }, [userId, orgId]);
}
