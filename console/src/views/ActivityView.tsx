import { useEffect, useState } from 'react';
import { AuditLogQuery } from '../api/documents';
import { useAction, useClient, useLoad } from '../api/hooks';
import { Empty, LoadError, Loading, NoticeLine } from '../components/ui';
import type { AuditLogQuery as AuditResult } from '../gql/graphql';
import { formatDateTime } from '../lib/dates';
import { summarizeTarget } from '../lib/audit';

const PAGE_SIZE = 20;
type Event = AuditResult['auditLog']['events'][number];

/** The organization's audit log, newest first, a page at a time. */
export function ActivityView({ orgId }: { orgId: string }) {
  const client = useClient();
  const first = useLoad(async () => (await client.request(AuditLogQuery, { orgId, first: PAGE_SIZE })).data.auditLog, orgId);
  const [more, setMore] = useState<{ events: Event[]; endCursor: string | null; hasNextPage: boolean } | null>(null);
  const action = useAction();
  // A new first page (another organization, Refresh) starts the list over.
  const firstPage = first.status === 'ready' ? first.data : null;
  useEffect(() => setMore(null), [firstPage]);

  const events = first.status === 'ready' ? [...first.data.events, ...(more?.events ?? [])] : [];
  const pageInfo = more ?? (first.status === 'ready' ? first.data.pageInfo : null);
  const loadMore = () =>
    action.run(async () => {
      const { data } = await client.request(AuditLogQuery, { orgId, first: PAGE_SIZE, after: pageInfo?.endCursor ?? null });
      setMore({ events: [...(more?.events ?? []), ...data.auditLog.events], endCursor: data.auditLog.pageInfo.endCursor ?? null, hasNextPage: data.auditLog.pageInfo.hasNextPage });
      return `Loaded ${data.auditLog.events.length} older changes.`;
    });

  return (
    <section aria-labelledby="activity-title">
      <div className="section-head">
        <h2 id="activity-title">Activity</h2>
        <button type="button" onClick={() => void first.reload()}>Refresh</button>
      </div>
      {first.status === 'loading' ? <Loading what="activity" /> : null}
      {first.status === 'error' ? <LoadError message={first.message} onRetry={first.reload} /> : null}
      {first.status === 'ready' && events.length === 0 ? <Empty title="No changes recorded yet.">Every change to roles, members and grants appears here, newest first.</Empty> : null}
      {events.length > 0 ? (
        <ol className="events" aria-label="Changes, newest first">
          {events.map((e) => (
            <li key={e.id} className="event">
              <div className="event-head">
                <strong className="action">{e.action}</strong>
                <span>{summarizeTarget(e.target)}</span>
              </div>
              <div className="event-meta">
                <time dateTime={e.at}>{formatDateTime(e.at)}</time> · by {e.actor} · revision {e.revision}
              </div>
              {e.before || e.after ? (
                <details>
                  <summary>Before and after</summary>
                  <pre>{`before: ${e.before ?? '(none)'}\nafter:  ${e.after ?? '(none)'}`}</pre>
                </details>
              ) : null}
            </li>
          ))}
        </ol>
      ) : null}
      <NoticeLine notice={action.notice?.kind === 'error' ? action.notice : null} />
      {pageInfo?.hasNextPage ? <button type="button" className="load-more" disabled={action.busy} onClick={() => void loadMore()}>Load more</button> : null}
      {first.status === 'ready' && events.length > 0 && !pageInfo?.hasNextPage ? <p className="muted">That is the whole history.</p> : null}
    </section>
  );
}
