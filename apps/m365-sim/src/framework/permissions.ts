/** Microsoft Graph application permissions (app role value -> app role id), from graph-facts.md. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const GRAPH_APP_ROLES = {
  'Mail.Read': '810c84a8-4a9e-49e6-bf7d-12d183f40d01',
  'Mail.ReadWrite': 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
  'MailboxSettings.Read': '40f97065-369a-49f4-947c-6a255697ae91',
  'MailboxSettings.ReadWrite': '6931bccd-447a-43d1-b442-00a195474933',
  'MailboxItem.ImportExport.All': '76577085-e73d-4f1d-b26a-85fb33892327',
  'Calendars.Read': '798ee544-9d2d-430c-a058-570e29e34338',
  'Calendars.ReadWrite': 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
  'Contacts.Read': '089fe4d0-434a-44c5-8827-41ba8a0b17f5',
  'Contacts.ReadWrite': '6918b873-d17a-4dc1-b314-35f528134491',
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'Group.Read.All': '5b567255-7703-4780-807c-7be8301ae99b',
  'Group.ReadWrite.All': '62a82d76-70ea-41e2-9197-370581804d09',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'Files.Read.All': '01d4889c-1287-42c6-ac1f-5d1e02578ef6',
  'Files.ReadWrite.All': '75359482-378d-4052-8f01-80520e7db3cd',
  'Sites.Read.All': '332a536c-c7ef-4017-ab91-336970924f0d',
  'Sites.ReadWrite.All': '9492366f-7969-46a4-8d15-ed1a20078fff',
  'Sites.FullControl.All': 'a82116e5-55eb-4c41-a434-62fe8a61c773',
  'ChannelMessage.Read.All': '7b2449af-6ccd-4f4d-9f78-e550c193f0d1',
  'Chat.Read.All': '6b7d71aa-70aa-4810-a8d9-5d9fb2830017',
  'Chat.ReadWrite.All': '294ce7c9-31ba-490a-ad7d-97a7d075e4ed',
  'Team.ReadBasic.All': '2280dda6-0bfd-44ee-a2f4-cb867cfc4c1e',
  'Channel.ReadBasic.All': '59a6b24b-4225-4393-8165-ebaec5f55d7a',
  'TeamMember.Read.All': '660b7406-55f1-41ca-a0ed-0b035e182f3e',
  'ChannelMember.Read.All': '3b55498e-47ec-484f-8136-9013221c06a9',
  'Teamwork.Migrate.All': 'dfb0dd15-61de-45b2-be36-d6a69fba3c79',
  'Organization.Read.All': '498476ce-e0fe-48b0-b801-37ba7e2685c6',
  'Application.ReadWrite.All': '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9',
  'AppRoleAssignment.ReadWrite.All': '06b708a9-e830-4db3-a914-8e69da51d44f',
} as const;

export type Permission = keyof typeof GRAPH_APP_ROLES;

export const ALL_PERMISSIONS = Object.keys(GRAPH_APP_ROLES) as Permission[];

const byId = new Map<string, Permission>(Object.entries(GRAPH_APP_ROLES).map(([k, v]) => [v, k as Permission]));

export function permissionById(id: string): Permission | undefined {
  return byId.get(id.toLowerCase());
}

/** Permissions that imply others (a ReadWrite role satisfies the Read route). */
export const IMPLIED: Partial<Record<Permission, Permission[]>> = {
  'Mail.ReadWrite': ['Mail.Read'],
  'MailboxSettings.ReadWrite': ['MailboxSettings.Read'],
  'Calendars.ReadWrite': ['Calendars.Read'],
  'Contacts.ReadWrite': ['Contacts.Read'],
  'Group.ReadWrite.All': ['Group.Read.All'],
  'Files.ReadWrite.All': ['Files.Read.All'],
  'Sites.ReadWrite.All': ['Sites.Read.All'],
  'Sites.FullControl.All': ['Sites.ReadWrite.All', 'Sites.Read.All'],
  'Chat.ReadWrite.All': ['Chat.Read.All'],
  'Directory.Read.All': ['User.Read.All', 'Group.Read.All', 'Organization.Read.All'],
};
