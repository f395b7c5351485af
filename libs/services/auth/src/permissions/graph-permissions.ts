/**
 * The Microsoft Graph application permissions Holdfast needs per protected service, with
 * their app role ids (Microsoft's permissions reference; see graph-facts.md).
 */

/** Application id of Microsoft Graph, the resource every permission belongs to. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const GRAPH_APP_ROLE_IDS = {
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'Group.Read.All': '5b567255-7703-4780-807c-7be8301ae99b',
  'Group.ReadWrite.All': '62a82d76-70ea-41e2-9197-370581804d09',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'Organization.Read.All': '498476ce-e0fe-48b0-b801-37ba7e2685c6',
  'Mail.ReadWrite': 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
  'MailboxSettings.Read': '40f97065-369a-49f4-947c-6a255697ae91',
  'Calendars.ReadWrite': 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
  'Contacts.ReadWrite': '6918b873-d17a-4dc1-b314-35f528134491',
  'Files.ReadWrite.All': '75359482-378d-4052-8f01-80520e7db3cd',
  'Sites.ReadWrite.All': '9492366f-7969-46a4-8d15-ed1a20078fff',
  'Sites.FullControl.All': 'a82116e5-55eb-4c41-a434-62fe8a61c773',
  'ChannelMessage.Read.All': '7b2449af-6ccd-4f4d-9f78-e550c193f0d1',
  'Chat.Read.All': '6b7d71aa-70aa-4810-a8d9-5d9fb2830017',
  'Team.ReadBasic.All': '2280dda6-0bfd-44ee-a2f4-cb867cfc4c1e',
  'Channel.ReadBasic.All': '59a6b24b-4225-4393-8165-ebaec5f55d7a',
  'TeamMember.Read.All': '660b7406-55f1-41ca-a0ed-0b035e182f3e',
  'ChannelMember.Read.All': '3b55498e-47ec-484f-8136-9013221c06a9',
  'Teamwork.Migrate.All': 'dfb0dd15-61de-45b2-be36-d6a69fba3c79',
} as const;

export type GraphPermission = keyof typeof GRAPH_APP_ROLE_IDS;

export const PROTECTED_SERVICES = ['exchange', 'groups', 'onedrive', 'sharepoint', 'teams'] as const;
export type ProtectedService = (typeof PROTECTED_SERVICES)[number];

/** Needed whatever is protected: discovering users, groups and the organization. */
export const BASE_PERMISSIONS: readonly GraphPermission[] = ['User.Read.All', 'Group.Read.All', 'Organization.Read.All'];

/** What each service needs to back up and restore (read + write for restores). */
export const SERVICE_PERMISSIONS: Readonly<Record<ProtectedService, readonly GraphPermission[]>> = {
  exchange: ['Mail.ReadWrite', 'MailboxSettings.Read', 'Calendars.ReadWrite', 'Contacts.ReadWrite'],
  groups: ['Group.ReadWrite.All', 'Mail.ReadWrite', 'Calendars.ReadWrite', 'Sites.ReadWrite.All', 'Files.ReadWrite.All'],
  onedrive: ['Files.ReadWrite.All', 'Sites.ReadWrite.All'],
  sharepoint: ['Sites.FullControl.All', 'Sites.ReadWrite.All', 'Files.ReadWrite.All'],
  teams: [
    'Team.ReadBasic.All',
    'Channel.ReadBasic.All',
    'TeamMember.Read.All',
    'ChannelMember.Read.All',
    'ChannelMessage.Read.All',
    'Teamwork.Migrate.All',
    'Files.ReadWrite.All',
    'Sites.ReadWrite.All',
  ],
};

/** A broader permission includes narrower ones (ReadWrite includes Read; Directory.Read.All reads users and groups). */
export const IMPLIED_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  'Group.ReadWrite.All': ['Group.Read.All'],
  'Directory.Read.All': ['User.Read.All', 'Group.Read.All', 'Organization.Read.All'],
  'Sites.FullControl.All': ['Sites.ReadWrite.All', 'Sites.Read.All'],
  'Sites.ReadWrite.All': ['Sites.Read.All'],
  'Files.ReadWrite.All': ['Files.Read.All'],
  'Mail.ReadWrite': ['Mail.Read'],
  'MailboxSettings.ReadWrite': ['MailboxSettings.Read'],
  'Calendars.ReadWrite': ['Calendars.Read'],
  'Contacts.ReadWrite': ['Contacts.Read'],
};

/** Granted permissions plus those they imply. */
export function effectivePermissions(granted: readonly string[]): Set<string> {
  const have = new Set(granted);
  for (const g of granted) for (const i of IMPLIED_PERMISSIONS[g] ?? []) have.add(i);
  return have;
}

export function isProtectedService(value: string): value is ProtectedService {
  return (PROTECTED_SERVICES as readonly string[]).includes(value);
}

/** Every permission the chosen services need, base ones included, sorted and unique. */
export function requiredPermissions(services: readonly ProtectedService[]): GraphPermission[] {
  const all = new Set<GraphPermission>(BASE_PERMISSIONS);
  for (const s of services) for (const p of SERVICE_PERMISSIONS[s]) all.add(p);
  return [...all].sort();
}

export interface PermissionReport {
  /** Required permissions the application lacks, sorted. */
  readonly missing: string[];
  readonly servicesReady: ProtectedService[];
  /** Services lacking at least one permission (a base permission missing blocks them all). */
  readonly servicesMissingPermissions: ProtectedService[];
  /** Per service, which of its permissions are missing. */
  readonly byService: Partial<Record<ProtectedService, string[]>>;
}

/** Compares granted application roles (names, from the token's `roles` claim) with what the services need. */
export function checkPermissions(granted: readonly string[], services: readonly ProtectedService[]): PermissionReport {
  const have = effectivePermissions(granted);
  const missing = requiredPermissions(services).filter((p) => !have.has(p));
  const baseMissing = BASE_PERMISSIONS.filter((p) => !have.has(p));
  const byService: Partial<Record<ProtectedService, string[]>> = {};
  const ready: ProtectedService[] = [];
  const lacking: ProtectedService[] = [];
  for (const s of services) {
    const m = [...new Set([...baseMissing, ...SERVICE_PERMISSIONS[s].filter((p) => !have.has(p))])].sort();
    if (m.length) {
      byService[s] = m;
      lacking.push(s);
    } else ready.push(s);
  }
  return { missing, servicesReady: ready, servicesMissingPermissions: lacking, byService };
}

/** The `requiredResourceAccess` entry that asks for the services' permissions on a new application. */
export function requiredResourceAccess(services: readonly ProtectedService[]): {
  resourceAppId: string;
  resourceAccess: { id: string; type: 'Role' }[];
}[] {
  return [
    {
      resourceAppId: MICROSOFT_GRAPH_APP_ID,
      resourceAccess: requiredPermissions(services).map((p) => ({ id: GRAPH_APP_ROLE_IDS[p], type: 'Role' as const })),
    },
  ];
}
