import { checkPermissions, GRAPH_APP_ROLE_IDS, requiredPermissions, requiredResourceAccess, MICROSOFT_GRAPH_APP_ID } from './graph-permissions';

describe('Graph permissions per service', () => {
  it('lists what the chosen services need, base permissions included', () => {
    expect(requiredPermissions(['exchange'])).toEqual(
      ['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Group.Read.All', 'Mail.ReadWrite', 'MailboxSettings.Read', 'Organization.Read.All', 'User.Read.All'].sort(),
    );
    expect(requiredPermissions(['teams'])).toContain('ChannelMessage.Read.All');
  });

  it('reports missing permissions per service and which services are ready', () => {
    const granted = ['User.Read.All', 'Group.Read.All', 'Organization.Read.All', 'Mail.ReadWrite', 'MailboxSettings.Read', 'Calendars.ReadWrite', 'Contacts.ReadWrite'];
    const r = checkPermissions(granted, ['exchange', 'sharepoint']);
    expect(r.servicesReady).toEqual(['exchange']);
    expect(r.servicesMissingPermissions).toEqual(['sharepoint']);
    expect(r.byService.sharepoint).toEqual(['Files.ReadWrite.All', 'Sites.FullControl.All', 'Sites.ReadWrite.All']);
    expect(r.missing).toEqual(['Files.ReadWrite.All', 'Sites.FullControl.All', 'Sites.ReadWrite.All']);
  });

  it('counts implied permissions (Directory.Read.All reads users and groups) and blocks every service when a base one is missing', () => {
    expect(checkPermissions(['Directory.Read.All', 'Files.ReadWrite.All', 'Sites.ReadWrite.All'], ['onedrive']).servicesReady).toEqual(['onedrive']);
    const r = checkPermissions(['Files.ReadWrite.All', 'Sites.ReadWrite.All'], ['onedrive']);
    expect(r.servicesMissingPermissions).toEqual(['onedrive']);
    expect(r.byService.onedrive).toEqual(['Group.Read.All', 'Organization.Read.All', 'User.Read.All']);
  });

  it('asks for the real app role ids of Microsoft Graph when registering an application', () => {
    const [access] = requiredResourceAccess(['onedrive']);
    expect(access.resourceAppId).toBe(MICROSOFT_GRAPH_APP_ID);
    expect(access.resourceAccess).toContainEqual({ id: '75359482-378d-4052-8f01-80520e7db3cd', type: 'Role' });
    expect(access.resourceAccess.map((a) => a.id)).toEqual(requiredPermissions(['onedrive']).map((p) => GRAPH_APP_ROLE_IDS[p]));
  });
});
