import {
  OrganizationApplicationAdded,
  OrganizationConnected,
  OrganizationCredentialRotated,
  OrganizationPermissionsChecked,
  OrganizationPermissionsGranted,
  OrganizationRemoved,
} from '@holdfast/contracts';
import { DeciderSpecification } from '@holdfast/event-store';
import { organizationDecider, type OrganizationCommand, type OrganizationEvent } from './organization.decider';

const ORG = '2f1c7a52-8d0e-4b59-9a8e-5f4c2b1d0e9a';
const APP = '6d3bbd07-9889-4ee0-99c9-973b36f1847b';
const APP2 = '7e4ccd18-0000-4ee0-99c9-973b36f1847b';
const AT = '2026-11-22T05:00:00.000Z';
const perms = { missing: ['Sites.FullControl.All'], servicesReady: ['exchange' as const], servicesMissingPermissions: ['sharepoint' as const] };

const connect: OrganizationCommand = {
  type: 'ConnectOrganization',
  data: {
    organizationId: ORG,
    displayName: 'Contoso',
    m365TenantId: 'a9245a47-4ebb-4dff-b8c1-564c6ec74827',
    cloud: 'global',
    services: ['exchange', 'sharepoint'],
    onboarding: 'existing-application',
    application: { clientId: APP, credentialKind: 'client-secret' },
    permissions: perms,
    at: AT,
  },
};

const connected: OrganizationEvent[] = [
  OrganizationConnected.create({
    organizationId: ORG,
    displayName: 'Contoso',
    m365TenantId: 'a9245a47-4ebb-4dff-b8c1-564c6ec74827',
    cloud: 'global',
    services: ['exchange', 'sharepoint'],
    onboarding: 'existing-application',
    connectedAt: AT,
  }),
  OrganizationApplicationAdded.create({ organizationId: ORG, clientId: APP, credentialKind: 'client-secret', addedAt: AT }),
  OrganizationPermissionsChecked.create({ organizationId: ORG, clientId: APP, ...perms, checkedAt: AT }),
];

describe('organization decider', () => {
  const spec = DeciderSpecification.for(organizationDecider);

  it('connects a new organization with its first application and permission report', () => {
    spec.given([]).when(connect).then(connected);
  });

  it('refuses to connect the same organization twice', () => {
    spec.given(connected).when(connect).thenThrows({ code: 'already_exists' });
  });

  it('adds a second application to the pool, and refuses the same client id again', () => {
    const add: OrganizationCommand = { type: 'AddApplication', data: { application: { clientId: APP2, credentialKind: 'client-certificate', certificateThumbprint: 'A'.repeat(40) }, permissions: perms, at: AT } };
    spec.given(connected).when(add).then([
      OrganizationApplicationAdded.create({ organizationId: ORG, clientId: APP2, credentialKind: 'client-certificate', certificateThumbprint: 'A'.repeat(40), addedAt: AT }),
      OrganizationPermissionsChecked.create({ organizationId: ORG, clientId: APP2, ...perms, checkedAt: AT }),
    ]);
    spec.given(connected).when({ ...add, data: { ...add.data, application: { clientId: APP, credentialKind: 'client-secret' } } }).thenThrows({ code: 'already_exists' });
  });

  it('rotates the credential of a known application only', () => {
    spec
      .given(connected)
      .when({ type: 'RotateCredential', data: { application: { clientId: APP, credentialKind: 'client-secret', credentialExpiresAt: '2027-01-01T00:00:00.000Z' }, at: AT } })
      .then([OrganizationCredentialRotated.create({ organizationId: ORG, clientId: APP, credentialKind: 'client-secret', credentialExpiresAt: '2027-01-01T00:00:00.000Z', rotatedAt: AT })]);
    spec.given(connected).when({ type: 'RotateCredential', data: { application: { clientId: APP2, credentialKind: 'client-secret' }, at: AT } }).thenThrows({ code: 'not_found', message: /not one of/ });
  });

  it('records granted permissions and folds them out of the missing ones', () => {
    const grant: OrganizationCommand = { type: 'RecordPermissionsGranted', data: { clientId: APP, granted: ['Sites.FullControl.All'], at: AT } };
    spec.given(connected).when(grant).then([OrganizationPermissionsGranted.create({ organizationId: ORG, clientId: APP, granted: ['Sites.FullControl.All'], grantedAt: AT })]);
    spec.given(connected).when(grant).thenStateIs({
      status: 'connected',
      organizationId: ORG,
      services: ['exchange', 'sharepoint'],
      applications: { [APP]: 'client-secret' },
      missing: { [APP]: [] },
    });
    spec.given(connected).when({ ...grant, data: { ...grant.data, granted: [] } }).thenNothingHappened();
  });

  it('removes once; removing again changes nothing; a removed organization takes no commands', () => {
    const removed = OrganizationRemoved.create({ organizationId: ORG, removedAt: AT });
    spec.given(connected).when({ type: 'RemoveOrganization', data: { at: AT } }).then([removed]);
    spec.given([...connected, removed]).when({ type: 'RemoveOrganization', data: { at: AT } }).thenNothingHappened();
    spec.given([...connected, removed]).when({ type: 'RecordPermissionCheck', data: { clientId: APP, permissions: perms, at: AT } }).thenThrows({ code: 'not_found', message: /removed/ });
    spec.given([]).when({ type: 'RemoveOrganization', data: { at: AT } }).thenThrows({ code: 'not_found', message: /does not exist/ });
  });
});
