import { useState } from 'react';
import type { AuthzExtension } from '../api/client';
import { CheckQuery } from '../api/documents';
import { useClient } from '../api/hooks';
import { usePermissionsChanged } from '../api/live';
import { FieldProblem, NoticeLine } from '../components/ui';
import type { CheckQuery as CheckResult } from '../gql/graphql';
import { formatDateTime } from '../lib/dates';
import { CACHE_STATUS_WORDS } from '../lib/errors';
import { describeIdProblem } from '../lib/identifiers';
import { describePermissionProblem } from '../lib/patterns';

interface Run {
  n: number;
  userId: string;
  permission: string;
  result: CheckResult;
  authz: AuthzExtension | null;
  /** Run by itself after the member's permissions changed. */
  live: boolean;
}

type Source = CheckResult['explain']['matches'][number];

/**
 * "May U do P here, and why?": `can` (the cached decision path, with its cacheStatus)
 * and `explain` (read from PostgreSQL) in one request. Earlier runs stay listed so a
 * second run shows where its answer came from this time.
 */
export function CheckView({ orgId }: { orgId: string }) {
  const client = useClient();
  const [userId, setUserId] = useState('');
  const [permission, setPermission] = useState('');
  const [runs, setRuns] = useState<Run[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const userProblem = userId === '' ? null : describeIdProblem(userId);
  const permissionProblem = permission === '' ? null : describePermissionProblem(permission, false);
  const ready = userId !== '' && permission !== '' && !userProblem && !permissionProblem && !busy;

  const check = async (asked = { userId, permission }, live = false) => {
    setBusy(true);
    setError(null);
    try {
      const { data, authz } = await client.request(CheckQuery, { userId: asked.userId, orgId, permission: asked.permission });
      setRuns((previous) => [{ n: (previous[0]?.n ?? 0) + 1, ...asked, result: data, authz, live }, ...previous].slice(0, 10));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const latest = runs[0];
  // Live: the latest check runs again when the member's permissions change.
  usePermissionsChanged(latest ? { userId: latest.userId, orgId } : null, () => {
    if (latest) void check({ userId: latest.userId, permission: latest.permission }, true);
  });

  return (
    <section aria-labelledby="check-title">
      <h2 id="check-title">Check and explain</h2>
      <form className="panel check-form" aria-label="Check a permission" onSubmit={(e) => { e.preventDefault(); if (ready) void check(); }}>
        <div className="field">
          <label htmlFor="check-user">User ID</label>
          <input id="check-user" value={userId} autoComplete="off" aria-invalid={!!userProblem} aria-describedby="check-user-problem" onChange={(e) => setUserId(e.target.value)} />
          <FieldProblem id="check-user-problem" problem={userProblem ? `The user ID ${userProblem}.` : null} />
        </div>
        <div className="field">
          <label htmlFor="check-permission">Permission</label>
          <input id="check-permission" value={permission} autoComplete="off" spellCheck={false} placeholder="document:edit" aria-invalid={!!permissionProblem} aria-describedby="check-permission-problem" onChange={(e) => setPermission(e.target.value)} />
          <FieldProblem id="check-permission-problem" problem={permissionProblem} />
        </div>
        <button type="submit" className="primary" disabled={!ready}>{busy ? 'Checking…' : 'Check'}</button>
      </form>
      <NoticeLine notice={error ? { kind: 'error', text: error } : null} />
      {latest ? <p className="muted" data-testid="live-note">Live: this check runs again when {latest.userId}'s permissions in {orgId} change.</p> : null}
      {latest ? <Result run={latest} /> : (
        <div className="empty"><p className="empty-title">No check yet.</p><p>Enter a user and a concrete permission (resource:action) to see the decision and why.</p></div>
      )}
      {runs.length > 1 ? (
        <>
          <h3>Earlier runs</h3>
          <ul className="runs" aria-label="Earlier runs">
            {runs.slice(1).map((r) => (
              <li key={r.n}>
                Run {r.n}: {r.userId} · <code>{r.permission}</code> → {r.result.can.allowed ? 'allowed' : 'denied'}, {r.result.can.cacheStatus}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function Result({ run }: { run: Run }) {
  const { can, explain } = run.result;
  return (
    <article className="result" aria-label="Decision" aria-live="polite">
      <p className="decision">
        <span className={can.allowed ? 'badge allowed' : 'badge denied'}>{can.allowed ? 'Allowed' : 'Denied'}</span>
        <span>Run {run.n}: {run.userId} · <code>{run.permission}</code>{run.live ? <em className="muted"> · checked again: the permissions changed</em> : null}</span>
      </p>
      <dl className="facts">
        <dt>Cache status</dt>
        <dd><code data-testid="cache-status">{can.cacheStatus}</code> — {CACHE_STATUS_WORDS[can.cacheStatus] ?? can.cacheStatus}</dd>
        <dt>Explanation</dt>
        <dd><code>{explain.code}</code> — {explain.summary}</dd>
        {run.authz ? (<><dt>Trace ID</dt><dd><code>{run.authz.traceId}</code></dd></>) : null}
      </dl>
      {explain.allowed !== can.allowed ? (
        <p className="notice error" role="alert">The cached decision and PostgreSQL disagree right now; run the check again.</p>
      ) : null}
      <Sources title="Matching patterns" sources={explain.matches} empty="No pattern of the member's roles or unexpired grants matches." />
      {explain.expiredMatches.length > 0 ? <Sources title="Matching grants that expired" sources={explain.expiredMatches} empty="" expired /> : null}
    </article>
  );
}

function Sources({ title, sources, empty, expired = false }: { title: string; sources: Source[]; empty: string; expired?: boolean }) {
  return (
    <>
      <h3>{title}</h3>
      {sources.length === 0 ? <p className="muted">{empty}</p> : (
        <ul className="sources" aria-label={title}>
          {sources.map((s) => (
            <li key={`${s.source}-${s.role ?? ''}-${s.pattern}`}>
              <code>{s.pattern}</code> from {s.source === 'ROLE' ? <>role <strong>{s.role}</strong></> : <>a direct grant{s.expiresAt ? ` (${expired ? 'expired' : 'expires'} ${formatDateTime(s.expiresAt)})` : ' (never expires)'}</>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
