import { useState } from 'react';

/**
 * Paste an API key or JWT. It is kept in sessionStorage (gone when the tab closes) and
 * sent only as `Authorization: Bearer`; the field is a password field so it is not
 * shown on screen or remembered by autofill.
 */
export function SignIn({ authMode, onSignIn }: { authMode: string; onSignIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const trimmed = token.trim();
  return (
    <main className="page sign-in">
      <form className="panel" aria-label="Sign in" onSubmit={(e) => { e.preventDefault(); if (trimmed) onSignIn(trimmed); }}>
        <h1>authz-gateway console</h1>
        <p>This gateway authenticates callers ({authMode}). Paste an API key or a JWT to continue.</p>
        <div className="field">
          <label htmlFor="token">API key or JWT</label>
          <input id="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} />
          <p className="hint">Kept in this tab's session storage only, and sent as an Authorization header to this gateway.</p>
        </div>
        <button type="submit" className="primary" disabled={!trimmed}>Sign in</button>
      </form>
    </main>
  );
}
