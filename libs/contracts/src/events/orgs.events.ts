import { z } from 'zod';
import { defineEvent } from './define-event';

/*
 * Customer organizations (Microsoft 365 tenants) connected by an MSP tenant, and the
 * applications Holdfast uses to reach them. Stream `org-<organizationId>`.
 * Events carry ids, names and permission names only: never secrets, keys or tokens.
 */

const cloud = z.enum(['global', 'usgov', 'usgovdod', 'china']).describe('national cloud');
const service = z.enum(['exchange', 'groups', 'onedrive', 'sharepoint', 'teams']);
const credentialKind = z.enum(['client-secret', 'client-certificate']).describe('how the application authenticates');

export const OrganizationConnected = defineEvent({
  type: 'OrganizationConnected',
  schemaVersion: 1,
  category: 'org',
  producer: 'auth',
  description: 'A customer Microsoft 365 organization was connected with its first application.',
  data: z.object({
    organizationId: z.uuid().describe('Holdfast id of the organization'),
    displayName: z.string().min(1).max(256),
    m365TenantId: z.string().min(1).describe('Entra tenant id (GUID) of the organization'),
    cloud,
    services: z.array(service).min(1).describe('services to protect'),
    onboarding: z.enum(['existing-application', 'device-code']).describe('how the application was obtained'),
    connectedAt: z.iso.datetime(),
  }),
});

export const OrganizationApplicationAdded = defineEvent({
  type: 'OrganizationApplicationAdded',
  schemaVersion: 1,
  category: 'org',
  producer: 'auth',
  description: 'An application (client id) was added to the pool an organization is reached with.',
  data: z.object({
    organizationId: z.uuid(),
    clientId: z.string().min(1).describe('application (client) id'),
    credentialKind,
    credentialExpiresAt: z.iso.datetime().optional().describe('end of validity of the secret or certificate, when known'),
    certificateThumbprint: z.string().regex(/^[0-9A-F]{40}$/).optional().describe('SHA-1 thumbprint of the certificate'),
    addedAt: z.iso.datetime(),
  }),
});

export const OrganizationCredentialRotated = defineEvent({
  type: 'OrganizationCredentialRotated',
  schemaVersion: 1,
  category: 'org',
  producer: 'auth',
  description: 'The secret or certificate of one of an organization\'s applications was replaced.',
  data: z.object({
    organizationId: z.uuid(),
    clientId: z.string().min(1),
    credentialKind,
    credentialExpiresAt: z.iso.datetime().optional(),
    certificateThumbprint: z.string().regex(/^[0-9A-F]{40}$/).optional(),
    rotatedAt: z.iso.datetime(),
  }),
});

export const OrganizationPermissionsChecked = defineEvent({
  type: 'OrganizationPermissionsChecked',
  schemaVersion: 1,
  category: 'org',
  producer: 'auth',
  description: 'The application permissions of an organization were checked against what its services need.',
  data: z.object({
    organizationId: z.uuid(),
    clientId: z.string().min(1),
    missing: z.array(z.string()).describe('required permissions not granted (e.g. Mail.ReadWrite)'),
    servicesReady: z.array(service).describe('services whose permissions are all granted'),
    servicesMissingPermissions: z.array(service).describe('services that lack a permission'),
    checkedAt: z.iso.datetime(),
  }),
});

export const OrganizationPermissionsGranted = defineEvent({
  type: 'OrganizationPermissionsGranted',
  schemaVersion: 1,
  category: 'org',
  producer: 'auth',
  description: 'Missing application permissions were granted (admin consent through appRoleAssignedTo).',
  data: z.object({
    organizationId: z.uuid(),
    clientId: z.string().min(1),
    granted: z.array(z.string()).min(1).describe('permissions granted'),
    grantedAt: z.iso.datetime(),
  }),
});

export const OrganizationRemoved = defineEvent({
  type: 'OrganizationRemoved',
  schemaVersion: 1,
  category: 'org',
  producer: 'auth',
  description: 'A customer organization was disconnected; its stored credentials were destroyed.',
  data: z.object({
    organizationId: z.uuid(),
    removedAt: z.iso.datetime(),
  }),
});

/** Events of the auth service about organizations and their applications. */
export const ORGS_EVENTS = [
  OrganizationConnected,
  OrganizationApplicationAdded,
  OrganizationCredentialRotated,
  OrganizationPermissionsChecked,
  OrganizationPermissionsGranted,
  OrganizationRemoved,
] as const;
