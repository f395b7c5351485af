import type { Client } from '@microsoft/microsoft-graph-client';
import { simRequest, simulatorCredential, simulatorGraphClient, startSimulator, type RunningSimulator } from '@holdfast/testing';

interface Msg {
  id: string;
  replyToId: string | null;
  body: { contentType: string; content: string };
  mentions: { id: number; mentionText: string; mentioned: { user: { id: string } } }[];
  replies?: Msg[];
  lastModifiedDateTime: string;
  deletedDateTime: string | null;
  chatId: string | null;
  channelIdentity: { teamId: string; channelId: string } | null;
}

async function all<T>(client: Client, url: string): Promise<{ items: T[]; pages: number; last: Record<string, unknown> }> {
  const items: T[] = [];
  let pages = 0;
  let next: string | undefined = url;
  let last: Record<string, unknown> = {};
  while (next) {
    last = await client.api(next).get();
    pages++;
    items.push(...(last.value as T[]));
    next = last['@odata.nextLink'] as string | undefined;
  }
  return { items, pages, last };
}

describe('teams module with the official Graph client', () => {
  let sim: RunningSimulator;
  let client: Client;
  let teamId: string;

  beforeAll(async () => {
    sim = await startSimulator({ users: 8, modules: ['files', 'teams'], sizes: { channelMessages: 24, chatMessages: 9, filesPerLibrary: 3, filesPerDrive: 3 } });
    client = simulatorGraphClient(sim);
    const groups = await client.api('/groups').filter("resourceProvisioningOptions/Any(x:x eq 'Team')").get();
    expect(groups.value.length).toBeGreaterThan(0);
    teamId = groups.value[0].id;
  }, 60_000);
  afterAll(() => sim?.stop());

  const mutate = (name: string, params: unknown) => sim.control('POST', `/tenants/${sim.tenantId}/mutations/${name}`, params);
  const chan = (channelId: string) => `/teams/${teamId}/channels/${encodeURIComponent(channelId)}`;

  it('serves teams and channels of every membership type', async () => {
    const team = await client.api(`/teams/${teamId}`).get();
    expect(team.id).toBe(teamId);
    expect(team.internalId).toMatch(/^19:.*@thread\.tacv2$/);
    const channels = await client.api(`/teams/${teamId}/channels`).get();
    expect(channels.value.map((c: { membershipType: string }) => c.membershipType)).toEqual(['standard', 'standard', 'private', 'shared']);
    const priv = await client.api(`/teams/${teamId}/channels`).filter("membershipType eq 'private'").get();
    expect(priv.value).toHaveLength(1);
    const general = channels.value[0];
    expect(general.displayName).toBe('General');
    const members = await client.api(`/teams/${teamId}/members`).get();
    expect(members.value.length).toBeGreaterThan(0);
    expect(members.value[0]['@odata.type']).toBe('#microsoft.graph.aadUserConversationMember');
    const privateMembers = await client.api(`${chan(channels.value[2].id)}/members`).get();
    const teamUserIds = new Set(members.value.map((m: { userId: string }) => m.userId));
    expect(privateMembers.value.every((m: { userId: string }) => teamUserIds.has(m.userId))).toBe(true);
    expect(privateMembers.value.length).toBe(Math.ceil(members.value.length / 2)); // private channels hold every other member
    expect((await client.api(chan(general.id)).get()).id).toBe(general.id);
    await expect(client.api(`/teams/00000000-0000-0000-0000-000000000000`).get()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('channel message delta: pages of $top, replies expanded, hosted content, then only changed threads', async () => {
    const channels = await client.api(`/teams/${teamId}/channels`).get();
    const channelId = channels.value[1].id;
    const round = await all<Msg>(client, `${chan(channelId)}/messages/delta?$top=10&$expand=replies`);
    expect(round.items).toHaveLength(24);
    expect(round.pages).toBe(3);
    expect(round.items.every((m) => m.replyToId === null && Array.isArray(m.replies))).toBe(true);
    const withReplies = round.items.find((m) => m.replies!.length > 0)!;
    expect(withReplies.replies!.every((r) => r.replyToId === withReplies.id)).toBe(true);
    const mention = round.items.flatMap((m) => [m, ...m.replies!]).find((m) => m.mentions.length > 0);
    expect(mention?.body.content).toContain('<at id="0">');
    const withImage = round.items.find((m) => m.body.content.includes('/hostedContents/'))!;
    const src = /src="([^"]+\/hostedContents\/[^"]+\/\$value)"/.exec(withImage.body.content)![1];
    const hosted = await client.api(`${chan(channelId)}/messages/${withImage.id}/hostedContents`).get();
    expect(hosted.value).toHaveLength(1);
    expect(src).toContain(hosted.value[0].id);
    const png: ArrayBuffer = await client.api(src).responseType('arraybuffer' as never).get();
    expect(Buffer.from(png).subarray(1, 4).toString()).toBe('PNG');

    const cut = [...round.items].sort((a, b) => (a.lastModifiedDateTime < b.lastModifiedDateTime ? -1 : 1))[9].lastModifiedDateTime;
    const filtered = await all<Msg>(client, `${chan(channelId)}/messages/delta?$top=5&$filter=lastModifiedDateTime gt ${cut}`);
    expect(filtered.items.map((m) => m.id).sort()).toEqual(round.items.filter((m) => m.lastModifiedDateTime > cut).map((m) => m.id).sort());
    expect(filtered.pages).toBe(3);

    const deltaLink = round.last['@odata.deltaLink'] as string;
    expect((await client.api(deltaLink).get()).value).toEqual([]);
    const reply = await mutate('teams.postMessage', { teamId, channelId, replyToId: round.items[5].id, text: 'Antwort – ответ', image: true });
    const fresh = await mutate('teams.postMessage', { teamId, channelId, text: 'new thread 🧵', mention: sim.info.tenants[0].adminUserPrincipalName });
    await mutate('teams.deleteMessage', { teamId, channelId, messageId: round.items[7].id });
    const changes = await all<Msg>(client, deltaLink);
    const ids = changes.items.map((m) => m.id);
    expect(ids.sort()).toEqual([round.items[5].id, round.items[7].id, fresh.id].sort());
    const thread = changes.items.find((m) => m.id === round.items[5].id)!;
    expect(thread.replies!.map((r) => r.id)).toContain(reply.id); // the link kept $expand=replies
    expect(changes.items.find((m) => m.id === round.items[7].id)!.deletedDateTime).not.toBeNull();
    expect(changes.items.find((m) => m.id === fresh.id)!.mentions).toHaveLength(1);
    const replyHosted = await client.api(`${chan(channelId)}/messages/${round.items[5].id}/replies/${reply.id}/hostedContents`).get();
    expect(replyHosted.value).toHaveLength(1);
    const listed = await client.api(`${chan(channelId)}/messages/${round.items[5].id}/replies`).get();
    expect(listed.value.map((r: Msg) => r.id)).toContain(reply.id);

    await sim.control('POST', '/delta/expire', { tenant: sim.tenantId, prefix: 'channel:' });
    await expect(client.api(changes.last['@odata.deltaLink'] as string).get()).rejects.toMatchObject({ statusCode: 410 });
  });

  it('filesFolder is a driveItem in the team site library (own site for private channels)', async () => {
    const channels = await client.api(`/teams/${teamId}/channels`).get();
    const general = await client.api(`${chan(channels.value[0].id)}/filesFolder`).get();
    expect(general.name).toBe('General');
    const groupDrive = await client.api(`/groups/${teamId}/drive`).get();
    expect(general.parentReference.driveId).toBe(groupDrive.id);
    const again = await client.api(`${chan(channels.value[0].id)}/filesFolder`).get();
    expect(again.id).toBe(general.id);
    const priv = await client.api(`${chan(channels.value[2].id)}/filesFolder`).get();
    expect(priv.parentReference.driveId).not.toBe(groupDrive.id);
    const children = await client.api(`/drives/${priv.parentReference.driveId}/root/children`).get();
    expect(children.value.map((c: { id: string }) => c.id)).toContain(priv.id);
  });

  it('chats of a user and getAllMessages with $top paging and a lastModifiedDateTime filter', async () => {
    const overview = await sim.control('GET', `/teams/tenants/${sim.tenantId}/overview`);
    const { userId, chatIds } = overview.chats[0];
    const chats = await client.api(`/users/${userId}/chats`).get();
    expect(chats.value.map((c: { id: string }) => c.id).sort()).toEqual([...chatIds].sort());
    expect(chats.value.some((c: { chatType: string }) => c.chatType === 'oneOnOne')).toBe(true);
    let perChat = 0;
    for (const id of chatIds) perChat += (await all<Msg>(client, `/chats/${encodeURIComponent(id)}/messages?$top=50`)).items.length;

    const everything = await all<Msg>(client, `/users/${userId}/chats/getAllMessages?$top=7`);
    expect(everything.items).toHaveLength(perChat);
    expect(everything.pages).toBe(Math.ceil(perChat / 7));
    expect(everything.items.every((m) => chatIds.includes(m.chatId))).toBe(true);
    expect(new Set(everything.items.map((m) => `${m.chatId}/${m.id}`)).size).toBe(perChat);

    const cut = everything.items[Math.floor(perChat / 2)].lastModifiedDateTime;
    const later = await all<Msg>(client, `/users/${userId}/chats/getAllMessages?$filter=lastModifiedDateTime gt ${cut}`);
    expect(later.items.length).toBeGreaterThan(0);
    expect(later.items.length).toBeLessThan(perChat);
    expect(later.items.every((m) => m.lastModifiedDateTime > cut)).toBe(true);
    const posted = await mutate('teams.postMessage', { chatId: chatIds[0], text: 'fresh chat message' });
    const after = await all<Msg>(client, `/users/${userId}/chats/getAllMessages?$filter=lastModifiedDateTime gt ${cut}`);
    expect(after.items.map((m) => m.id)).toContain(posted.id);
  });

  it('checks Teams permissions (403 without ChannelMessage.Read.All / Chat.Read.All)', async () => {
    const app = await client.api('/applications').post({ displayName: 'teams-limited', signInAudience: 'AzureADMyOrg' });
    const secret = await client.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { displayName: 't' } });
    const sp = await client.api('/servicePrincipals').post({ appId: app.appId });
    const graphSp = (await client.api('/servicePrincipals').filter("appId eq '00000003-0000-0000-c000-000000000000'").get()).value[0];
    await client.api(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo`).post({ principalId: sp.id, resourceId: graphSp.id, appRoleId: '59a6b24b-4225-4393-8165-ebaec5f55d7a' }); // Channel.ReadBasic.All
    const limited = simulatorGraphClient(sim, { credential: simulatorCredential(sim, { clientId: app.appId, clientSecret: secret.secretText }), retry: false });
    const channels = await limited.api(`/teams/${teamId}/channels`).get();
    expect(channels.value.length).toBe(4);
    await expect(limited.api(`${chan(channels.value[0].id)}/messages`).get()).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });
    const overview = await sim.control('GET', `/teams/tenants/${sim.tenantId}/overview`);
    await expect(limited.api(`/users/${overview.chats[0].userId}/chats/getAllMessages`).get()).rejects.toMatchObject({ statusCode: 403 });
    // raw check of the body shape
    const token = (await simulatorCredential(sim, { clientId: app.appId, clientSecret: secret.secretText }).getToken('https://graph.microsoft.com/.default'))!.token;
    const raw = await simRequest(`${sim.graphBaseUrl}/users/${overview.chats[0].userId}/chats`, sim.caPem, { headers: { Authorization: `Bearer ${token}` } });
    expect(raw.status).toBe(403);
    expect(raw.json().error.code).toBe('Forbidden');
  });
});
