import { useState } from 'react';
import { DeleteRoleMutation, RenameRoleMutation, SetRolePermissionsMutation } from '../api/documents';
import { type useAction, useClient } from '../api/hooks';
import { PatternField } from '../components/PatternField';
import { ConfirmButton, FieldProblem } from '../components/ui';
import { describeNameProblem } from '../lib/identifiers';
import { parsePatternList } from '../lib/patterns';

type Mode = 'view' | 'edit' | 'rename';

/**
 * One role: its patterns, and the forms that change it. A form stays open with what
 * was typed when the gateway refuses the change, so nothing is lost.
 */
export function RoleCard(props: { orgId: string; role: { name: string; permissions: string[] }; action: ReturnType<typeof useAction>; onChanged: () => Promise<void> }) {
  const { orgId, role, action, onChanged } = props;
  const client = useClient();
  const [mode, setMode] = useState<Mode>('view');
  const [patterns, setPatterns] = useState(role.permissions.join('\n'));
  const [newName, setNewName] = useState(role.name);
  const parsed = parsePatternList(patterns);
  const nameProblem = describeNameProblem(newName);

  const change = async (run: () => Promise<string>) => {
    if (await action.run(run)) {
      setMode('view');
      await onChanged();
    }
  };
  const savePatterns = () =>
    change(async () => {
      const { data } = await client.request(SetRolePermissionsMutation, { orgId, role: role.name, permissions: parsed.patterns });
      const saved = data.setRolePermissions.role;
      return `Role ${saved.name} now grants ${saved.permissions.length ? saved.permissions.join(', ') : 'nothing'}.`;
    });
  const rename = () =>
    change(async () => {
      const { data } = await client.request(RenameRoleMutation, { orgId, role: role.name, newName });
      return `Renamed role ${role.name} to ${data.renameRole.role.name}.`;
    });
  const remove = () =>
    change(async () => {
      await client.request(DeleteRoleMutation, { orgId, role: role.name });
      return `Deleted role ${role.name}; its members no longer have it.`;
    });

  const slug = encodeURIComponent(role.name);
  return (
    <li className="card" aria-label={`Role ${role.name}`}>
      <div className="card-head">
        <h3>{role.name}</h3>
        <div className="actions">
          <button type="button" aria-pressed={mode === 'edit'} onClick={() => { setPatterns(role.permissions.join('\n')); setMode(mode === 'edit' ? 'view' : 'edit'); }}>
            Edit patterns
          </button>
          <button type="button" aria-pressed={mode === 'rename'} onClick={() => { setNewName(role.name); setMode(mode === 'rename' ? 'view' : 'rename'); }}>
            Rename
          </button>
          <ConfirmButton label="Delete" confirmLabel={`Delete ${role.name}`} question={`Delete role ${role.name}?`} disabled={action.busy} onConfirm={() => void remove()} />
        </div>
      </div>
      {role.permissions.length === 0 ? (
        <p className="muted">Grants nothing.</p>
      ) : (
        <ul className="chips" aria-label={`Patterns of ${role.name}`}>
          {role.permissions.map((p) => (
            <li key={p} className="chip">
              <code>{p}</code>
            </li>
          ))}
        </ul>
      )}
      {mode === 'edit' ? (
        <form className="inline-form" aria-label={`Edit patterns of ${role.name}`} onSubmit={(e) => { e.preventDefault(); if (parsed.problems.length === 0) void savePatterns(); }}>
          <PatternField label={`Patterns of ${role.name}`} value={patterns} onChange={(text) => setPatterns(text)} />
          <div className="actions">
            <button type="submit" className="primary" disabled={parsed.problems.length > 0 || action.busy}>Save patterns</button>
            <button type="button" onClick={() => setMode('view')}>Cancel</button>
          </div>
        </form>
      ) : null}
      {mode === 'rename' ? (
        <form className="inline-form" aria-label={`Rename ${role.name}`} onSubmit={(e) => { e.preventDefault(); if (!nameProblem) void rename(); }}>
          <div className="field">
            <label htmlFor={`rename-${slug}`}>New name for {role.name}</label>
            <input id={`rename-${slug}`} value={newName} autoComplete="off" aria-invalid={!!nameProblem} aria-describedby={`rename-${slug}-problem`} onChange={(e) => setNewName(e.target.value)} />
            <FieldProblem id={`rename-${slug}-problem`} problem={nameProblem ? `The name ${nameProblem}.` : null} />
          </div>
          <div className="actions">
            <button type="submit" className="primary" disabled={!!nameProblem || newName === role.name || action.busy}>Rename</button>
            <button type="button" onClick={() => setMode('view')}>Cancel</button>
          </div>
        </form>
      ) : null}
    </li>
  );
}
