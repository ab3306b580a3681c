import type { PolicyFile } from './policy-file';

/**
 * What `npm start` loads into an empty database, so the README's example queries work
 * out of the box. `acme` has three roles and four members; carol also holds a direct
 * grant, and dave's only grant has already expired.
 */
export const DEMO_POLICY: PolicyFile = {
  organizations: [
    { id: 'acme', name: 'Acme Corp' },
    { id: 'globex', name: 'Globex' },
  ],
  roles: [
    { orgId: 'acme', name: 'admin', permissions: ['*:*'] },
    { orgId: 'acme', name: 'editor', permissions: ['document:*', 'comment:*', 'activity:read'] },
    { orgId: 'acme', name: 'viewer', permissions: ['*:read'] },
    { orgId: 'globex', name: 'viewer', permissions: ['*:read'] },
  ],
  memberships: [
    { userId: 'alice', orgId: 'acme', roles: ['admin'] },
    { userId: 'bob', orgId: 'acme', roles: ['editor'] },
    { userId: 'carol', orgId: 'acme', roles: ['viewer'] },
    { userId: 'dave', orgId: 'acme', roles: [] },
    { userId: 'alice', orgId: 'globex', roles: ['viewer'] },
  ],
  grants: [
    { userId: 'carol', orgId: 'acme', permission: 'report:export', expiresAt: null },
    { userId: 'dave', orgId: 'acme', permission: 'document:read', expiresAt: '2020-01-01T00:00:00Z' },
  ],
};
