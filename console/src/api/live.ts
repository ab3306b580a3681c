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
  useAnyPermissionsChanged(subject ? [subject.userId] : [], subject?.orgId ?? null, onChange);
}

/** The server's default limit of subscriptions per connection is 100: stay under it. */
const MAX_WATCHED = 50;

/**
 * Calls `onChange` when the set of any of `userIds` (the first 50) in `orgId` changes:
 * one connection, one subscription per user.
 */
export function useAnyPermissionsChanged(userIds: readonly string[], orgId: string | null, onChange: () => void): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  const key = userIds.slice(0, MAX_WATCHED).join('\u0000');
  useEffect(() => {
    if (key === '' || orgId === null) return undefined;
    const client = createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
      connectionParams: () => {
        const token = loadToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
    });
    const stops = key.split('\u0000').map((userId) => {
      let first = true;
      return client.subscribe(
        { query: PermissionsChangedSubscription.toString(), variables: { userId, orgId } },
        {
          next: () => {
            if (first) first = false;
            else callback.current();
          },
          // A refused or lost subscription only means no live updates; the view still works.
          error: () => undefined,
          complete: () => undefined,
        },
      );
    });
    return () => {
      for (const stop of stops) stop();
      void client.dispose();
    };
  }, [key, orgId]);
}
