import { useState } from 'react';
import { WhoCanQuery } from '../api/documents';
import { useAction, useClient } from '../api/hooks';
import { Empty, FieldProblem, NoticeLine } from '../components/ui';
import type { WhoCanQuery as WhoCanResult } from '../gql/graphql';
import { describePermissionProblem } from '../lib/patterns';

const PAGE_SIZE = 50;
type User = WhoCanResult['whoCan']['users'][number];

interface Answer {
  permission: string;
  users: User[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * "Who can do P here?": the members `whoCan` lists (read from PostgreSQL, so exactly
 * those for whom a check says yes now), a page at a time, each with the roles and
 * direct grants that give it.
 */
export function WhoCanView({ orgId }: { orgId: string }) {
  const client = useClient();
  const [permission, setPermission] = useState('');
  const [answer, setAnswer] = useState<Answer | null>(null);
  const action = useAction();
  const problem = permission === '' ? null : describePermissionProblem(permission, false);
  const ready = permission !== '' && !problem && !action.busy;

  const ask = (asked: string, after: string | null) =>
    action.run(async () => {
      const { data } = await client.request(WhoCanQuery, { orgId, permission: asked, first: PAGE_SIZE, after });
      const page = data.whoCan;
      setAnswer((previous) => ({
        permission: asked,
        users: after && previous ? [...previous.users, ...page.users] : page.users,
        endCursor: page.pageInfo.endCursor ?? null,
        hasNextPage: page.pageInfo.hasNextPage,
      }));
      return after ? `Loaded ${page.users.length} more members.` : `Listed ${page.users.length} member${page.users.length === 1 ? '' : 's'}${page.pageInfo.hasNextPage ? '; more to load below' : ''}.`;
    });

  return (
    <section aria-labelledby="who-can-title">
      <h2 id="who-can-title">Who can…</h2>
      <form className="panel check-form" aria-label="Who can do a permission" onSubmit={(e) => { e.preventDefault(); if (ready) void ask(permission, null); }}>
        <div className="field">
          <label htmlFor="who-can-permission">Permission</label>
          <input id="who-can-permission" value={permission} autoComplete="off" spellCheck={false} placeholder="document:edit" aria-invalid={!!problem} aria-describedby="who-can-permission-problem" onChange={(e) => setPermission(e.target.value)} />
          <FieldProblem id="who-can-permission-problem" problem={problem} />
        </div>
        <button type="submit" className="primary" disabled={!ready}>{action.busy ? 'Looking…' : 'Show members'}</button>
      </form>
      <NoticeLine notice={action.notice} />
      {!answer ? (
        <Empty title="No question yet.">Enter a concrete permission (resource:action) to list the members who may do it now.</Empty>
      ) : answer.users.length === 0 ? (
        <Empty title={`Nobody in ${orgId} may do ${answer.permission}.`}>No role or unexpired grant of any member matches it.</Empty>
      ) : (
        <>
          <h3>Members who may do <code>{answer.permission}</code>{answer.hasNextPage ? null : <span className="count"> ({answer.users.length})</span>}</h3>
          <ul className="sources" aria-label="Members who may">
            {answer.users.map((u) => (
              <li key={u.userId}>
                <strong>{u.userId}</strong> <span className="muted">via</span> {u.via.map((v, i) => (
                  <span key={v}>{i > 0 ? ', ' : ''}{v.startsWith('grant:') ? <>a direct grant <code>{v.slice('grant:'.length)}</code></> : <>role <code>{v}</code></>}</span>
                ))}
              </li>
            ))}
          </ul>
        </>
      )}
      {answer?.hasNextPage ? (
        <button type="button" className="load-more" disabled={action.busy} onClick={() => void ask(answer.permission, answer.endCursor)}>Load more members</button>
      ) : null}
    </section>
  );
}
