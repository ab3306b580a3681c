import { graphql } from '../gql';

/**
 * Every operation the console sends. `npm run generate` turns each into a typed
 * document in ../gql (graphql-codegen client preset); the text here must match it
 * exactly, so edit here and regenerate.
 */

export const OrganizationsQuery = graphql(`
  query Organizations {
    organizations { id name memberCount }
  }
`);

export const RolesQuery = graphql(`
  query Roles($orgId: ID!) {
    organization(id: $orgId) { id revision roles { name permissions } }
  }
`);

export const MembersQuery = graphql(`
  query Members($orgId: ID!, $search: String, $first: Int, $after: String) {
    organization(id: $orgId) {
      id
      memberCount
      roles { name }
      members(search: $search, first: $first, after: $after) {
        members { userId roles grants { permission expiresAt expired } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export const CheckQuery = graphql(`
  query Check($userId: ID!, $orgId: ID!, $permission: String!) {
    can(userId: $userId, orgId: $orgId, permission: $permission) { allowed cacheStatus }
    explain(userId: $userId, orgId: $orgId, permission: $permission) {
      allowed
      code
      summary
      matches { pattern source role expiresAt }
      expiredMatches { pattern source role expiresAt }
    }
  }
`);

export const AuditLogQuery = graphql(`
  query AuditLog($orgId: ID!, $first: Int, $after: String) {
    auditLog(orgId: $orgId, first: $first, after: $after) {
      events { id actor action target before after revision at }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const CreateRoleMutation = graphql(`
  mutation CreateRole($orgId: ID!, $name: String!, $permissions: [String!]!) {
    createRole(orgId: $orgId, name: $name, permissions: $permissions) { role { name permissions } }
  }
`);

export const SetRolePermissionsMutation = graphql(`
  mutation SetRolePermissions($orgId: ID!, $role: String!, $permissions: [String!]!) {
    setRolePermissions(orgId: $orgId, role: $role, permissions: $permissions) { role { name permissions } }
  }
`);

export const RenameRoleMutation = graphql(`
  mutation RenameRole($orgId: ID!, $role: String!, $newName: String!) {
    renameRole(orgId: $orgId, role: $role, newName: $newName) { role { name } }
  }
`);

export const DeleteRoleMutation = graphql(`
  mutation DeleteRole($orgId: ID!, $role: String!) {
    deleteRole(orgId: $orgId, role: $role) { role { name } }
  }
`);

export const AddMemberMutation = graphql(`
  mutation AddMember($userId: ID!, $orgId: ID!, $roles: [String!]!) {
    addMember(userId: $userId, orgId: $orgId, roles: $roles) { member { userId roles } }
  }
`);

export const RemoveMemberMutation = graphql(`
  mutation RemoveMember($userId: ID!, $orgId: ID!) {
    removeMember(userId: $userId, orgId: $orgId) { member { userId } }
  }
`);

export const AssignRoleMutation = graphql(`
  mutation AssignRole($userId: ID!, $orgId: ID!, $role: String!) {
    assignRole(userId: $userId, orgId: $orgId, role: $role) { member { userId roles } }
  }
`);

export const UnassignRoleMutation = graphql(`
  mutation UnassignRole($userId: ID!, $orgId: ID!, $role: String!) {
    unassignRole(userId: $userId, orgId: $orgId, role: $role) { member { userId roles } }
  }
`);

export const GrantPermissionMutation = graphql(`
  mutation GrantPermission($userId: ID!, $orgId: ID!, $permission: String!, $expiresAt: String) {
    grantPermission(userId: $userId, orgId: $orgId, permission: $permission, expiresAt: $expiresAt) {
      member { userId grants { permission expiresAt expired } }
    }
  }
`);

export const RevokePermissionMutation = graphql(`
  mutation RevokePermission($userId: ID!, $orgId: ID!, $permission: String!) {
    revokePermission(userId: $userId, orgId: $orgId, permission: $permission) { member { userId } }
  }
`);

export const WhoCanQuery = graphql(`
  query WhoCan($orgId: ID!, $permission: String!, $first: Int, $after: String) {
    whoCan(orgId: $orgId, permission: $permission, first: $first, after: $after) {
      users { userId via }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

/** Sent over WebSocket (graphql-transport-ws), see api/live.ts. */
export const PermissionsChangedSubscription = graphql(`
  subscription PermissionsChanged($userId: ID!, $orgId: ID!) {
    permissionsChanged(userId: $userId, orgId: $orgId) { permissions roles }
  }
`);
