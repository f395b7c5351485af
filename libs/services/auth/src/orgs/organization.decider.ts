import {
  HoldfastError,
  OrganizationApplicationAdded,
  OrganizationConnected,
  OrganizationCredentialRotated,
  OrganizationPermissionsChecked,
  OrganizationPermissionsGranted,
  OrganizationRemoved,
  type EventOf,
} from '@holdfast/contracts';
import type { Decider } from '@holdfast/event-store';
import type { CloudName } from '@holdfast/graph';
import type { ProtectedService } from '../permissions/graph-permissions';

export type OrganizationEvent =
  | EventOf<typeof OrganizationConnected>
  | EventOf<typeof OrganizationApplicationAdded>
  | EventOf<typeof OrganizationCredentialRotated>
  | EventOf<typeof OrganizationPermissionsChecked>
  | EventOf<typeof OrganizationPermissionsGranted>
  | EventOf<typeof OrganizationRemoved>;

export type CredentialKind = 'client-secret' | 'client-certificate';

export interface ApplicationFacts {
  readonly clientId: string;
  readonly credentialKind: CredentialKind;
  readonly credentialExpiresAt?: string;
  readonly certificateThumbprint?: string;
}

export interface PermissionFacts {
  readonly missing: string[];
  readonly servicesReady: ProtectedService[];
  readonly servicesMissingPermissions: ProtectedService[];
}

export type OrganizationCommand =
  | {
      type: 'ConnectOrganization';
      data: {
        organizationId: string;
        displayName: string;
        m365TenantId: string;
        cloud: CloudName;
        services: ProtectedService[];
        onboarding: 'existing-application' | 'device-code';
        application: ApplicationFacts;
        permissions: PermissionFacts;
        at: string;
      };
    }
  | { type: 'AddApplication'; data: { application: ApplicationFacts; permissions: PermissionFacts; at: string } }
  | { type: 'RotateCredential'; data: { application: ApplicationFacts; at: string } }
  | { type: 'RecordPermissionCheck'; data: { clientId: string; permissions: PermissionFacts; at: string } }
  | { type: 'RecordPermissionsGranted'; data: { clientId: string; granted: string[]; at: string } }
  | { type: 'RemoveOrganization'; data: { at: string } };

export type OrganizationState =
  | { status: 'none' }
  | {
      status: 'connected';
      organizationId: string;
      services: ProtectedService[];
      applications: Record<string, CredentialKind>;
      missing: Record<string, string[]>;
    }
  | { status: 'removed'; organizationId: string };

function connected(state: OrganizationState, action: string): Extract<OrganizationState, { status: 'connected' }> {
  if (state.status === 'none') throw new HoldfastError('not_found', `cannot ${action}: the organization does not exist`);
  if (state.status === 'removed') throw new HoldfastError('not_found', `cannot ${action}: the organization was removed`);
  return state;
}

function knownApp(state: Extract<OrganizationState, { status: 'connected' }>, clientId: string): void {
  if (!state.applications[clientId]) {
    throw new HoldfastError('not_found', `application ${clientId} is not one of the organization's applications`);
  }
}

function optional<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The organization aggregate (stream `org-<organizationId>`): connection, application pool, permissions, removal. */
export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, OrganizationState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'ConnectOrganization': {
        if (state.status !== 'none') throw new HoldfastError('already_exists', `organization ${command.data.organizationId} already exists`);
        const d = command.data;
        return [
          OrganizationConnected.create({
            organizationId: d.organizationId,
            displayName: d.displayName,
            m365TenantId: d.m365TenantId,
            cloud: d.cloud,
            services: d.services,
            onboarding: d.onboarding,
            connectedAt: d.at,
          }),
          OrganizationApplicationAdded.create(optional({ organizationId: d.organizationId, ...d.application, addedAt: d.at })),
          OrganizationPermissionsChecked.create({
            organizationId: d.organizationId,
            clientId: d.application.clientId,
            ...d.permissions,
            checkedAt: d.at,
          }),
        ];
      }
      case 'AddApplication': {
        const s = connected(state, 'add an application');
        const d = command.data;
        if (s.applications[d.application.clientId]) {
          throw new HoldfastError('already_exists', `application ${d.application.clientId} is already in the organization's pool`);
        }
        return [
          OrganizationApplicationAdded.create(optional({ organizationId: s.organizationId, ...d.application, addedAt: d.at })),
          OrganizationPermissionsChecked.create({ organizationId: s.organizationId, clientId: d.application.clientId, ...d.permissions, checkedAt: d.at }),
        ];
      }
      case 'RotateCredential': {
        const s = connected(state, 'rotate a credential');
        knownApp(s, command.data.application.clientId);
        return [OrganizationCredentialRotated.create(optional({ organizationId: s.organizationId, ...command.data.application, rotatedAt: command.data.at }))];
      }
      case 'RecordPermissionCheck': {
        const s = connected(state, 'check permissions');
        knownApp(s, command.data.clientId);
        return [
          OrganizationPermissionsChecked.create({
            organizationId: s.organizationId,
            clientId: command.data.clientId,
            ...command.data.permissions,
            checkedAt: command.data.at,
          }),
        ];
      }
      case 'RecordPermissionsGranted': {
        const s = connected(state, 'grant permissions');
        knownApp(s, command.data.clientId);
        if (command.data.granted.length === 0) return [];
        return [
          OrganizationPermissionsGranted.create({
            organizationId: s.organizationId,
            clientId: command.data.clientId,
            granted: command.data.granted,
            grantedAt: command.data.at,
          }),
        ];
      }
      case 'RemoveOrganization': {
        if (state.status === 'removed') return [];
        const s = connected(state, 'remove');
        return [OrganizationRemoved.create({ organizationId: s.organizationId, removedAt: command.data.at })];
      }
      default: {
        const unknown: never = command;
        throw new HoldfastError('validation_failed', `unknown command ${JSON.stringify(unknown)}`);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'OrganizationConnected':
        return { status: 'connected', organizationId: event.data.organizationId, services: event.data.services, applications: {}, missing: {} };
      case 'OrganizationApplicationAdded':
        if (state.status !== 'connected') return state;
        return { ...state, applications: { ...state.applications, [event.data.clientId]: event.data.credentialKind } };
      case 'OrganizationCredentialRotated':
        if (state.status !== 'connected') return state;
        return { ...state, applications: { ...state.applications, [event.data.clientId]: event.data.credentialKind } };
      case 'OrganizationPermissionsChecked':
        if (state.status !== 'connected') return state;
        return { ...state, missing: { ...state.missing, [event.data.clientId]: event.data.missing } };
      case 'OrganizationPermissionsGranted': {
        if (state.status !== 'connected') return state;
        const left = (state.missing[event.data.clientId] ?? []).filter((p) => !event.data.granted.includes(p));
        return { ...state, missing: { ...state.missing, [event.data.clientId]: left } };
      }
      case 'OrganizationRemoved':
        return state.status === 'connected' ? { status: 'removed', organizationId: state.organizationId } : state;
      default:
        return state;
    }
  },
};
