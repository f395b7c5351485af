/**
 * The gateway routes the `org` and `inventory` commands call. Each forwards to a
 * request/reply method of the auth or inventory service (`<ns>.rpc.<service>.<method>`)
 * with the caller's MSP tenant; the right column is that method.
 *
 *   POST   /api/v1/organizations                      auth.org-add
 *   GET    /api/v1/organizations                      auth.org-list
 *   GET    /api/v1/organizations/{id}                 auth.org-show
 *   POST   /api/v1/organizations/{id}/check           auth.org-check
 *   POST   /api/v1/organizations/{id}/grant           auth.org-grant-start
 *   DELETE /api/v1/organizations/{id}                 auth.org-remove
 *   POST   /api/v1/organizations/device-code          auth.org-device-code-start
 *   GET    /api/v1/onboardings/{id}                   auth.org-onboarding-status
 *   POST   /api/v1/organizations/{id}/inventory/sync  inventory.sync
 *   GET    /api/v1/inventory?organizationId&kind&search&licensed&protected&limit&offset   inventory.list
 */
export const ORG_ROUTES = {
  organizations: '/api/v1/organizations',
  organization: (id: string) => `/api/v1/organizations/${encodeURIComponent(id)}`,
  check: (id: string) => `/api/v1/organizations/${encodeURIComponent(id)}/check`,
  grant: (id: string) => `/api/v1/organizations/${encodeURIComponent(id)}/grant`,
  deviceCode: '/api/v1/organizations/device-code',
  onboarding: (id: string) => `/api/v1/onboardings/${encodeURIComponent(id)}`,
  inventorySync: (id: string) => `/api/v1/organizations/${encodeURIComponent(id)}/inventory/sync`,
  inventory: '/api/v1/inventory',
} as const;

export const SERVICES = ['exchange', 'groups', 'onedrive', 'sharepoint', 'teams'] as const;
export const CLOUDS = ['global', 'usgov', 'usgovdod', 'china'] as const;

/** What the org commands print: the auth service's views (no secrets). */
export type { OnboardingView, OrganizationView } from '@holdfast/contracts';
