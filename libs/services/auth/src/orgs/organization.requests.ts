import { z } from 'zod';
import { PROTECTED_SERVICES } from '../permissions/graph-permissions';

/** Request/reply payloads of the auth service (`<ns>.rpc.auth.<method>`), validated on arrival. */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export const mspTenantId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected the MSP tenant id (letters, digits, _ . -)')
  .default('default');

export const m365TenantIdSchema = z
  .string()
  .trim()
  .refine((v) => GUID.test(v) || DOMAIN.test(v), {
    message: 'expected the Microsoft 365 tenant id: a GUID such as 8f1e2d3c-0000-4000-8000-123456789abc, or a domain such as contoso.onmicrosoft.com',
  });

export const clientIdSchema = z
  .string()
  .trim()
  .regex(GUID, 'expected the application (client) id: a GUID such as 1b2c3d4e-0000-4000-8000-123456789abc');

export const credentialSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('client-secret'), clientSecret: z.string().min(1, 'client secret is empty'), expiresAt: z.iso.datetime().optional() }),
  z.object({
    kind: z.literal('client-certificate'),
    pfxBase64: z.string().min(1).optional(),
    password: z.string().optional(),
    pem: z.string().min(1).optional(),
  }),
]);
export type CredentialRequest = z.infer<typeof credentialSchema>;

const endpoints = {
  cloud: z.enum(['global', 'usgov', 'usgovdod', 'china']).default('global'),
  authorityHost: z.string().min(1).optional(),
  graphEndpoint: z.string().min(1).optional(),
};

export const addOrganizationRequest = z.object({
  tenantId: mspTenantId,
  displayName: z.string().trim().min(1, 'display name is empty').max(256),
  m365TenantId: m365TenantIdSchema,
  clientId: clientIdSchema,
  credential: credentialSchema,
  services: z.array(z.enum(PROTECTED_SERVICES)).min(1, 'choose at least one service').default([...PROTECTED_SERVICES]),
  /** Connect even when no chosen service has all its permissions yet (to grant them afterwards). */
  allowMissingPermissions: z.boolean().default(false),
  ...endpoints,
});
export type AddOrganizationRequest = z.input<typeof addOrganizationRequest>;

export const organizationRef = z.object({ tenantId: mspTenantId, organizationId: z.uuid('expected an organization id (UUID)') });
export type OrganizationRef = z.input<typeof organizationRef>;

export const addApplicationRequest = organizationRef.extend({ clientId: clientIdSchema, credential: credentialSchema });
export const rotateCredentialRequest = addApplicationRequest;

export const tokenRequest = organizationRef.extend({
  appId: clientIdSchema.optional(),
  forceRefresh: z.boolean().default(false),
});
export type TokenRequest = z.input<typeof tokenRequest>;

export const listRequest = z.object({ tenantId: mspTenantId });

export const startDeviceCodeRequest = z.object({
  tenantId: mspTenantId,
  displayName: z.string().trim().min(1, 'display name is empty').max(256),
  /** Where the admin signs in; `organizations` lets the admin's account decide. */
  m365TenantId: m365TenantIdSchema.or(z.literal('organizations')).default('organizations'),
  services: z.array(z.enum(PROTECTED_SERVICES)).min(1).default([...PROTECTED_SERVICES]),
  credential: z.enum(['certificate', 'secret', 'both']).default('certificate'),
  ...endpoints,
});
export type StartDeviceCodeRequest = z.input<typeof startDeviceCodeRequest>;

export const onboardingRef = z.object({ tenantId: mspTenantId, onboardingId: z.uuid() });

export const generateCertificateRequest = z.object({
  subject: z.string().trim().min(1).max(64).default('Holdfast'),
  validDays: z.number().int().min(1).max(3650).default(730),
  password: z.string().min(8, 'the PFX password needs at least 8 characters').optional(),
});
