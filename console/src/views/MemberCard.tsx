import { useId, useState } from 'react';
import { AssignRoleMutation, GrantPermissionMutation, RemoveMemberMutation, RevokePermissionMutation, UnassignRoleMutation } from '../api/documents';
import { type useAction, useClient } from '../api/hooks';
import { ConfirmButton, FieldProblem } from '../components/ui';
import { dateInputValue, describeExpiry, expiryFromDateInput } from '../lib/dates';
import { describePermissionProblem } from '../lib/patterns';

interface MemberData {
  userId: string;
  roles: string[];
  grants: Array<{ permission: string; expiresAt?: string | null; expired: boolean }>;
}

/** One member: roles (assign, unassign), direct grants (grant with optional expiry, revoke), removal. */
export function MemberCard(props: { orgId: string; member: MemberData; roleNames: string[]; action: ReturnType<typeof useAction>; onChanged: () => Promise<void> }) {
  const { orgId, member, roleNames, action, onChanged } = props;
  const { userId } = member;
  const client = useClient();
  const id = useId();
  const [role, setRole] = useState('');
  const [permission, setPermission] = useState('');
  const [expiry, setExpiry] = useState('');
  const now = new Date();
  const unassigned = roleNames.filter((r) => !member.roles.includes(r));
  const permissionProblem = permission === '' ? null : describePermissionProblem(permission, true);
  const parsedExpiry = expiryFromDateInput(expiry, now);

  const change = async (run: () => Promise<string>) => {
    const ok = await action.run(run);
    if (ok) await onChanged();
    return ok;
  };
  const assign = async () => {
    if (await change(async () => { await client.request(AssignRoleMutation, { orgId, userId, role }); return `Assigned role ${role} to ${userId}.`; })) setRole('');
  };
  const unassign = (r: string) => change(async () => { await client.request(UnassignRoleMutation, { orgId, userId, role: r }); return `Unassigned role ${r} from ${userId}.`; });
  const revoke = (p: string) => change(async () => { await client.request(RevokePermissionMutation, { orgId, userId, permission: p }); return `Revoked ${p} from ${userId}.`; });
  const remove = () => change(async () => { await client.request(RemoveMemberMutation, { orgId, userId }); return `Removed ${userId} from ${orgId}, with their roles and grants.`; });
  const grant = async () => {
    if (!parsedExpiry.ok) return;
    const expiresAt = parsedExpiry.expiresAt;
    const ok = await change(async () => {
      await client.request(GrantPermissionMutation, { orgId, userId, permission, expiresAt });
      return `Granted ${permission} to ${userId}, ${expiresAt ? `until ${expiry} (end of day)` : 'without expiry'}.`;
    });
    if (ok) {
      setPermission('');
      setExpiry('');
    }
  };

  return (
    <li className="card" aria-label={`Member ${userId}`}>
      <div className="card-head">
        <h3>{userId}</h3>
        <ConfirmButton label="Remove member" confirmLabel={`Remove ${userId}`} question={`Remove ${userId} and all their roles and grants?`} disabled={action.busy} onConfirm={() => void remove()} />
      </div>
      <h4>Roles</h4>
      {member.roles.length === 0 ? <p className="muted">No roles.</p> : (
        <ul className="chips" aria-label={`Roles of ${userId}`}>
          {member.roles.map((r) => (
            <li key={r} className="chip">
              {r}
              <button type="button" className="chip-action" aria-label={`Unassign ${r} from ${userId}`} disabled={action.busy} onClick={() => void unassign(r)}>×</button>
            </li>
          ))}
        </ul>
      )}
      {unassigned.length > 0 ? (
        <form className="inline-row" aria-label={`Assign a role to ${userId}`} onSubmit={(e) => { e.preventDefault(); if (role) void assign(); }}>
          <label htmlFor={`${id}-role`}>Assign role</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">Choose…</option>
            {unassigned.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
          <button type="submit" disabled={!role || action.busy}>Assign</button>
        </form>
      ) : null}
      <h4>Direct grants</h4>
      {member.grants.length === 0 ? <p className="muted">No direct grants.</p> : (
        <ul className="grants" aria-label={`Direct grants of ${userId}`}>
          {member.grants.map((g) => (
            <li key={g.permission} className={g.expired ? 'grant expired' : 'grant'}>
              <code>{g.permission}</code>
              <span className="expiry">{g.expired ? <strong className="badge denied">Expired</strong> : null} {describeExpiry(g.expiresAt ?? null, g.expired, now)}</span>
              <button type="button" disabled={action.busy} aria-label={`Revoke ${g.permission} from ${userId}`} onClick={() => void revoke(g.permission)}>Revoke</button>
            </li>
          ))}
        </ul>
      )}
      <form className="grant-form" aria-label={`Grant a permission to ${userId}`} onSubmit={(e) => { e.preventDefault(); if (permission && !permissionProblem && parsedExpiry.ok) void grant(); }}>
        <div className="field">
          <label htmlFor={`${id}-perm`}>Grant permission</label>
          <input id={`${id}-perm`} value={permission} autoComplete="off" spellCheck={false} placeholder="report:export" aria-invalid={!!permissionProblem} aria-describedby={`${id}-perm-problem`} onChange={(e) => setPermission(e.target.value)} />
          <FieldProblem id={`${id}-perm-problem`} problem={permissionProblem} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-expiry`}>Expires after (optional)</label>
          <input id={`${id}-expiry`} type="date" min={dateInputValue(now)} value={expiry} aria-invalid={!parsedExpiry.ok} aria-describedby={`${id}-expiry-problem`} onChange={(e) => setExpiry(e.target.value)} />
          <FieldProblem id={`${id}-expiry-problem`} problem={parsedExpiry.ok ? null : parsedExpiry.message} />
        </div>
        <button type="submit" disabled={!permission || !!permissionProblem || !parsedExpiry.ok || action.busy}>Grant</button>
      </form>
    </li>
  );
}
