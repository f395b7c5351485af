import type { ComponentType } from 'react';
import type { Me } from '../api';
import { AuditPage } from './audit-page';
import { OverviewPage } from './overview-page';
import { TenantsPage } from './tenants-page';
import { UsersPage } from './users-page';

export interface PortalPage {
  /** The hash route: #/<path>. */
  readonly path: string;
  readonly title: string;
  /** Shown only to roles with this API permission. */
  readonly permission?: string;
  readonly component: ComponentType<{ me: Me }>;
}

/**
 * Every page of the portal, in menu order. Extension point: later issues (organizations,
 * jobs, restores) add their page here with the permission its API needs.
 */
export const PORTAL_PAGES: readonly PortalPage[] = [
  { path: 'overview', title: 'Overview', permission: 'overview.read', component: OverviewPage },
  { path: 'tenants', title: 'Tenants', permission: 'tenants.read', component: TenantsPage },
  { path: 'users', title: 'Users and roles', permission: 'users.read', component: UsersPage },
  { path: 'audit', title: 'Audit log', permission: 'audit.read', component: AuditPage },
];
