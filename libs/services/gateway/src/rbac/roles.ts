/** Roles of users and API tokens. MSP roles work across tenants; customer roles inside one. */
export const ROLES = ['msp_admin', 'msp_technician', 'customer_admin', 'customer_operator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route needs. `*.read` only reads; everything else changes something and is audited.
 * Later issues add their own (jobs.*, restores.*) here and to ROLE_PERMISSIONS.
 */
export const PERMISSIONS = [
  'system.read',
  'overview.read',
  'tenants.read',
  'tenants.create',
  'tenants.update',
  'users.read',
  'users.manage',
  'audit.read',
  'events.read',
  'data.browse',
  'data.restore',
  // for the organization and inventory routes (orgs issue): annotate them with these
  'orgs.read',
  'orgs.manage',
  'inventory.read',
  'inventory.sync',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ_ONLY: readonly Permission[] = ['overview.read', 'tenants.read', 'users.read', 'audit.read', 'events.read', 'data.browse', 'orgs.read', 'inventory.read'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  msp_admin: PERMISSIONS,
  msp_technician: ['overview.read', 'tenants.read', 'tenants.update', 'events.read', 'data.browse', 'data.restore', 'orgs.read', 'inventory.read', 'inventory.sync'],
  customer_admin: ['overview.read', 'tenants.read', 'users.read', 'users.manage', 'audit.read', 'events.read', 'data.browse', 'data.restore', 'orgs.read', 'inventory.read'],
  customer_operator: ['overview.read', 'tenants.read', 'events.read', 'data.browse', 'data.restore', 'inventory.read'],
  auditor: READ_ONLY,
};

/** MSP-level roles have no home tenant; customer roles must have one. */
export function isCustomerRole(role: Role): boolean {
  return role === 'customer_admin' || role === 'customer_operator';
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/**
 * Which tenants a principal reaches: every tenant (MSP admin, MSP-wide auditor), the
 * assigned ones (technician), or its own (customer roles, tenant auditor).
 */
export type TenantScope = { readonly kind: 'all' } | { readonly kind: 'some'; readonly tenantIds: readonly string[] };

export function scopeAllows(scope: TenantScope, tenantId: string): boolean {
  return scope.kind === 'all' || scope.tenantIds.includes(tenantId);
}

/** Who is calling, as every route sees it (never carries a secret). */
export interface Principal {
  readonly kind: 'session' | 'api_token';
  readonly userId: string | null;
  readonly tokenId: string | null;
  /** Email of the user, or the token's name: what the audit log shows as the actor. */
  readonly displayName: string;
  readonly role: Role;
  /** Home tenant of a customer user or tenant auditor; null for MSP staff. */
  readonly tenantId: string | null;
  readonly scope: TenantScope;
  /** Set for session principals: writes must echo it in X-CSRF-Token. */
  readonly csrfToken?: string;
}
