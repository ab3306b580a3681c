import { useState } from 'react';
import { CreateRoleMutation, RolesQuery } from '../api/documents';
import { useAction, useClient, useLoad } from '../api/hooks';
import { PatternField } from '../components/PatternField';
import { Empty, FieldProblem, LoadError, Loading, NoticeLine } from '../components/ui';
import { describeNameProblem } from '../lib/identifiers';
import { parsePatternList } from '../lib/patterns';
import { RoleCard } from './RoleCard';

/** Roles of one organization with their patterns: create, edit, rename, delete. */
export function RolesView({ orgId }: { orgId: string }) {
  const client = useClient();
  const roles = useLoad(async () => (await client.request(RolesQuery, { orgId })).data.organization, orgId);
  const action = useAction();

  return (
    <section aria-labelledby="roles-title">
      <h2 id="roles-title">Roles</h2>
      <CreateRole orgId={orgId} action={action} onCreated={roles.reload} />
      <NoticeLine notice={action.notice} />
      {roles.status === 'loading' ? <Loading what="roles" /> : null}
      {roles.status === 'error' ? <LoadError message={roles.message} onRetry={roles.reload} /> : null}
      {roles.status === 'ready' && roles.data === null ? <Empty title={`Organization ${orgId} does not exist.`} /> : null}
      {roles.status === 'ready' && roles.data?.roles.length === 0 ? (
        <Empty title="No roles yet.">Create the first one above: a name and the permission patterns it grants.</Empty>
      ) : null}
      {roles.status === 'ready' && roles.data ? (
        <ul className="cards" aria-label="Roles">
          {roles.data.roles.map((role) => (
            <RoleCard key={role.name} orgId={orgId} role={role} action={action} onChanged={roles.reload} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function CreateRole({ orgId, action, onCreated }: { orgId: string; action: ReturnType<typeof useAction>; onCreated: () => Promise<void> }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [patterns, setPatterns] = useState('');
  const parsed = parsePatternList(patterns);
  const nameProblem = name === '' ? null : describeNameProblem(name);
  const ready = name !== '' && !nameProblem && parsed.problems.length === 0 && !action.busy;

  const submit = async () => {
    const ok = await action.run(async () => {
      const { data } = await client.request(CreateRoleMutation, { orgId, name, permissions: parsed.patterns });
      const created = data.createRole.role;
      return `Created role ${created.name} with ${created.permissions.length ? created.permissions.join(', ') : 'no permissions'}.`;
    });
    if (ok) {
      setName('');
      setPatterns('');
      await onCreated();
    }
  };

  return (
    <form
      className="panel"
      aria-label="Create a role"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) void submit();
      }}
    >
      <h3>Create a role</h3>
      <div className="field">
        <label htmlFor="new-role-name">Role name</label>
        <input id="new-role-name" value={name} autoComplete="off" aria-invalid={!!nameProblem} aria-describedby="new-role-name-problem" onChange={(e) => setName(e.target.value)} />
        <FieldProblem id="new-role-name-problem" problem={nameProblem ? `The name ${nameProblem}.` : null} />
      </div>
      <PatternField label="Permission patterns" value={patterns} onChange={(text) => setPatterns(text)} />
      <button type="submit" className="primary" disabled={!ready}>
        Create role
      </button>
    </form>
  );
}
