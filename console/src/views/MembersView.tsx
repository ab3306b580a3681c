import { useEffect, useState } from 'react';
import { AddMemberMutation, MembersQuery } from '../api/documents';
import { useAction, useClient, useLoad } from '../api/hooks';
import { useAnyPermissionsChanged } from '../api/live';
import { Empty, FieldProblem, LoadError, Loading, NoticeLine } from '../components/ui';
import type { MembersQuery as MembersResult } from '../gql/graphql';
import { describeIdProblem } from '../lib/identifiers';
import { MemberCard } from './MemberCard';

const PAGE_SIZE = 20;
type MemberRow = NonNullable<MembersResult['organization']>['members']['members'][number];

/** Members by user ID: search, add, and per member roles and direct grants. */
export function MembersView({ orgId }: { orgId: string }) {
  const client = useClient();
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [more, setMore] = useState<{ members: MemberRow[]; endCursor: string | null; hasNextPage: boolean } | null>(null);
  const action = useAction();
  const page = useLoad(
    async () => (await client.request(MembersQuery, { orgId, search: search || null, first: PAGE_SIZE })).data.organization,
    `${orgId}\u0000${search}`,
  );
  // A new first page (new search, or a reload after a change) starts the list over.
  const firstPage = page.status === 'ready' ? page.data : null;
  useEffect(() => setMore(null), [firstPage]);

  const org = page.status === 'ready' ? page.data : null;
  const members = org ? [...org.members.members, ...(more?.members ?? [])] : [];
  const pageInfo = more ?? (org ? { ...org.members.pageInfo } : null);
  const roleNames = org?.roles.map((r) => r.name) ?? [];
  // Live: the list loads again when a listed member's permissions change (any admin, any instance).
  useAnyPermissionsChanged(members.map((m) => m.userId), orgId, () => void page.reload());

  const loadMore = async () => {
    if (!pageInfo?.endCursor) return;
    await action.run(async () => {
      const { data } = await client.request(MembersQuery, { orgId, search: search || null, first: PAGE_SIZE, after: pageInfo.endCursor });
      const next = data.organization?.members;
      if (next) setMore({ members: [...(more?.members ?? []), ...next.members], endCursor: next.pageInfo.endCursor ?? null, hasNextPage: next.pageInfo.hasNextPage });
      return `Loaded ${next?.members.length ?? 0} more members.`;
    });
  };

  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members {org ? <span className="count">({org.memberCount})</span> : null}</h2>
      <div className="two-columns">
        <form className="panel" role="search" aria-label="Search members" onSubmit={(e) => { e.preventDefault(); setSearch(searchText.trim()); }}>
          <h3>Search</h3>
          <div className="field">
            <label htmlFor="member-search">User ID contains</label>
            <input id="member-search" type="search" value={searchText} autoComplete="off" onChange={(e) => setSearchText(e.target.value)} />
          </div>
          <div className="actions">
            <button type="submit">Search</button>
            {search ? <button type="button" onClick={() => { setSearchText(''); setSearch(''); }}>Show all</button> : null}
          </div>
        </form>
        <AddMember orgId={orgId} roleNames={roleNames} action={action} onAdded={page.reload} />
      </div>
      <NoticeLine notice={action.notice} />
      {page.status === 'loading' ? <Loading what="members" /> : null}
      {page.status === 'error' ? <LoadError message={page.message} onRetry={page.reload} /> : null}
      {page.status === 'ready' && members.length === 0 ? (
        <Empty title={search ? `No member's user ID contains "${search}".` : 'No members yet.'}>{search ? 'Try part of the ID, or Show all.' : 'Add the first one above.'}</Empty>
      ) : null}
      {members.length > 0 ? (
        <ul className="cards" aria-label="Members">
          {members.map((m) => (
            <MemberCard key={m.userId} orgId={orgId} member={m} roleNames={roleNames} action={action} onChanged={page.reload} />
          ))}
        </ul>
      ) : null}
      {pageInfo?.hasNextPage ? (
        <button type="button" className="load-more" disabled={action.busy} onClick={() => void loadMore()}>
          Load more members
        </button>
      ) : null}
    </section>
  );
}

function AddMember({ orgId, roleNames, action, onAdded }: { orgId: string; roleNames: string[]; action: ReturnType<typeof useAction>; onAdded: () => Promise<void> }) {
  const client = useClient();
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState('');
  const problem = userId === '' ? null : describeIdProblem(userId);
  const submit = async () => {
    const ok = await action.run(async () => {
      const { data } = await client.request(AddMemberMutation, { orgId, userId, roles: role ? [role] : [] });
      const m = data.addMember.member;
      return `Added ${m.userId} to ${orgId}${m.roles.length ? ` with role ${m.roles.join(', ')}` : ' without roles'}.`;
    });
    if (ok) {
      setUserId('');
      setRole('');
      await onAdded();
    }
  };
  return (
    <form className="panel" aria-label="Add a member" onSubmit={(e) => { e.preventDefault(); if (userId && !problem) void submit(); }}>
      <h3>Add a member</h3>
      <div className="field">
        <label htmlFor="new-member-user">User ID</label>
        <input id="new-member-user" value={userId} autoComplete="off" aria-invalid={!!problem} aria-describedby="new-member-user-problem" onChange={(e) => setUserId(e.target.value)} />
        <FieldProblem id="new-member-user-problem" problem={problem ? `The user ID ${problem}.` : null} />
      </div>
      <div className="field">
        <label htmlFor="new-member-role">Role (optional)</label>
        <select id="new-member-role" value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="">No role</option>
          {roleNames.map((r) => (
            <option key={r} value={r}>{r}</option>
          ))}
        </select>
      </div>
      <button type="submit" className="primary" disabled={!userId || !!problem || action.busy}>
        Add member
      </button>
    </form>
  );
}
