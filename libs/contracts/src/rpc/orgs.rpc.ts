/**
 * Request/reply contract of the auth service (`<ns>.rpc.auth.<method>`) for organizations,
 * onboarding and tokens. Callers (gateway, inventory, backup workers) use these names and
 * shapes; every request carries the MSP tenant (`tenantId`, or the bus's tenant header,
 * which wins). Replies never hold a secret, except `token` (an access token) and the
 * one-time certificate download of a finished device-code onboarding.
 */
export const AUTH_SERVICE = 'auth';

export const AUTH_RPC = {
  /** AddOrganizationRequest -> OrganizationView */
  addOrganization: 'org-add',
  /** { tenantId } -> OrganizationView[] */
  listOrganizations: 'org-list',
  /** OrganizationRef -> OrganizationView */
  showOrganization: 'org-show',
  /** OrganizationRef -> PermissionCheckView (fresh token per application; the result is recorded) */
  checkOrganization: 'org-check',
  /** OrganizationRef -> { organizationId, removed: true } (credentials destroyed) */
  removeOrganization: 'org-remove',
  /** OrganizationRef & { clientId, credential } -> OrganizationView */
  addApplication: 'org-add-application',
  /** OrganizationRef & { clientId, credential } -> OrganizationView */
  rotateCredential: 'org-rotate-credential',
  /** OrganizationRef -> OrganizationConnection (no secrets) */
  connection: 'org-connection',
  /** StartDeviceCodeRequest -> OnboardingView (with userCode and verificationUri) */
  startDeviceCode: 'org-device-code-start',
  /** OrganizationRef -> OnboardingView: an administrator signs in to grant missing permissions */
  startGrant: 'org-grant-start',
  /** { tenantId, onboardingId } -> OnboardingView */
  onboardingStatus: 'org-onboarding-status',
  /** { tenantId?, days? } -> ExpiringCredential[] */
  expiringCredentials: 'credentials-expiring',
  /** { subject?, validDays?, password? } -> a self-signed certificate as PFX (returned once, stored nowhere) */
  generateCertificate: 'certificate-generate',
  /** { tenantId, organizationId, appId?, forceRefresh? } -> BrokeredToken */
  token: 'token',
} as const;

/** Calls that reach Entra ID (token acquisition, registrations) need a longer request timeout. */
export const AUTH_RPC_SLOW_TIMEOUT_MS = 60_000;

export type M365Cloud = 'global' | 'usgov' | 'usgovdod' | 'china';
export type ProtectedServiceName = 'exchange' | 'groups' | 'onedrive' | 'sharepoint' | 'teams';

export type CredentialRequestBody =
  | { kind: 'client-secret'; clientSecret: string; expiresAt?: string }
  | { kind: 'client-certificate'; pfxBase64?: string; password?: string; pem?: string };

export interface AddOrganizationRequestBody {
  tenantId?: string;
  displayName: string;
  /** Entra tenant id (GUID) or domain. */
  m365TenantId: string;
  clientId: string;
  credential: CredentialRequestBody;
  services?: ProtectedServiceName[];
  cloud?: M365Cloud;
  allowMissingPermissions?: boolean;
  authorityHost?: string;
  graphEndpoint?: string;
}

export interface PermissionReportView {
  readonly missing: string[];
  readonly servicesReady: ProtectedServiceName[];
  readonly servicesMissingPermissions: ProtectedServiceName[];
  readonly byService: Partial<Record<ProtectedServiceName, string[]>>;
}

export interface ApplicationView {
  readonly clientId: string;
  readonly credentialKind: 'client-secret' | 'client-certificate';
  readonly credentialExpiresAt: string | null;
  readonly certificateThumbprint: string | null;
  /** `expired`, `expiring` (within 30 days), `ok`, or `unknown` (no end date known). */
  readonly expiry: 'expired' | 'expiring' | 'ok' | 'unknown';
  readonly missingPermissions: string[];
  readonly checkedAt: string | null;
}

export interface OrganizationView {
  readonly organizationId: string;
  readonly tenantId: string;
  readonly displayName: string;
  readonly m365TenantId: string;
  readonly cloud: M365Cloud;
  readonly services: ProtectedServiceName[];
  readonly authorityHost?: string;
  readonly graphEndpoint?: string;
  readonly onboarding: 'existing-application' | 'device-code';
  readonly connectedAt: string;
  readonly applications: ApplicationView[];
  readonly permissions: PermissionReportView;
}

export interface OrganizationConnection {
  readonly organizationId: string;
  readonly m365TenantId: string;
  readonly cloud: M365Cloud;
  readonly graphBaseUrl: string;
  readonly services: ProtectedServiceName[];
  readonly applications: string[];
}

export interface PermissionCheckView {
  readonly organizationId: string;
  readonly permissions: PermissionReportView;
  readonly applications: { clientId: string; missing: string[]; error?: { code: string; message: string } }[];
}

export type OnboardingStatus = 'waiting_for_sign_in' | 'registering' | 'completed' | 'failed';

export interface OnboardingView {
  readonly onboardingId: string;
  readonly purpose: 'connect' | 'grant';
  readonly status: OnboardingStatus;
  readonly userCode?: string;
  readonly verificationUri?: string;
  readonly message?: string;
  readonly organizationId?: string;
  readonly clientId?: string;
  readonly granted?: string[];
  readonly error?: { code: string; message: string };
  /** The generated certificate, returned by the first status call after completion only. */
  readonly certificate?: { pfxBase64: string; password: string; thumbprint: string; notAfter: string };
}

export interface ExpiringCredential {
  readonly tenantId: string;
  readonly organizationId: string;
  readonly clientId: string;
  readonly credentialKind: string;
  readonly expiresAt: string;
  readonly expired: boolean;
}

export interface BrokeredToken {
  readonly accessToken: string;
  /** ISO time the token expires. */
  readonly expiresOn: string;
  /** The application the token was issued to (rotation picks one when none was asked for). */
  readonly appId: string;
}
