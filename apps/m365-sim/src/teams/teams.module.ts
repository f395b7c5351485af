import { GraphHttpError } from '../framework/graph-error';
import { filterProperties } from '../framework/odata';
import type { Permission } from '../framework/permissions';
import type { GraphRequest, GraphResponse, RouteSpec, SimContext, SimModule, ThrottleScope } from '../framework/sim-types';
import type { TenantState } from '../framework/world';
import { filesAccessFor } from '../files/files-access-registry';
import { renderItem } from '../files/files-render';
import { userRef } from '../files/files-state';
import { FILES_READ } from '../files/files.routes';
import { generatePng } from './content/png-image';
import { hostedContentId } from './generation/teams-generator';
import { type ChannelRecord, type ConversationRecord, type MessageRecord, type PersonRef, TeamsError, TeamsStore } from './model/teams-store';
import { type Conversation, renderChannel, renderChat, renderHostedContent, renderMessage, renderTeam } from './teams-render';
import { addTeam, buildTeamsStore, personOf, teamsOptions } from './teams-state';

/** Teams: teams, channels (standard/private/shared), channel messages + delta, chats, getAllMessages. */

const TEAM_READ: Permission[] = ['Team.ReadBasic.All', 'Group.Read.All', 'Directory.Read.All'];
const CHANNEL_READ: Permission[] = ['Channel.ReadBasic.All', 'Group.Read.All', 'Directory.Read.All'];
const CHANNEL_MESSAGES: Permission[] = ['ChannelMessage.Read.All', 'Group.Read.All'];
const CHAT_READ: Permission[] = ['Chat.Read.All', 'Chat.ReadWrite.All'];

export interface MessagePosted {
  conv: ConvKey;
  message: Omit<MessageRecord, 'seq' | 'etag' | 'replies'>;
}
export interface MessageEdited {
  conv: ConvKey;
  messageId: string;
  html: string;
}
export interface MessageDeleted {
  conv: ConvKey;
  messageId: string;
}
type ConvKey = { teamId: string; channelId: string } | { chatId: string };

function teamsError(e: unknown): unknown {
  return e instanceof TeamsError ? new GraphHttpError(e.status, e.code, e.message) : e;
}

export const simModule: SimModule = {
  name: 'teams',
  dependsOn: ['directory', 'files'],
  register(ctx: SimContext) {
    const opts = teamsOptions(ctx.options.seed, ctx.options.sizes);
    const groupsSeen = new WeakMap<TeamsStore, number>();
    const state = (t: TenantState): TeamsStore => {
      const s = ctx.world.moduleState(t, 'teams', () => buildTeamsStore(t, opts));
      // teams created after the first touch (directory.createGroup with a team)
      if (groupsSeen.get(s) !== t.groups.size) {
        for (const g of t.groups.values()) addTeam(s, t, g, opts);
        groupsSeen.set(s, t.groups.size);
      }
      return s;
    };
    const conv = (t: TenantState, k: ConvKey): { rec: ConversationRecord; c: Conversation } => {
      const s = state(t);
      if ('chatId' in k) {
        const chat = s.chat(k.chatId);
        return { rec: chat, c: { kind: 'chat', chat } };
      }
      const team = s.team(k.teamId);
      const channel = s.channel(k.teamId, k.channelId);
      return { rec: channel, c: { kind: 'channel', team, channel } };
    };
    const keyOf = (req: GraphRequest): ConvKey => (req.params.chatId ? { chatId: req.params.chatId } : { teamId: req.params.teamId, channelId: req.params.channelId });

    // ---- journal
    const guard = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        ctx.log('teams: journal entry could not be applied', { error: String((e as Error).message) });
      }
    };
    ctx.world.onJournal<MessagePosted>('teams.messagePosted', (t, d) =>
      guard(() => {
        const { rec, c } = conv(t, d.conv);
        TeamsStore.post(rec, d.message);
        if (c.kind === 'chat') c.chat.lastUpdatedDateTime = d.message.createdDateTime;
      }),
    );
    ctx.world.onJournal<MessageEdited>('teams.messageEdited', (t, d, e) => guard(() => TeamsStore.edit(conv(t, d.conv).rec, d.messageId, d.html, e.at)));
    ctx.world.onJournal<MessageDeleted>('teams.messageDeleted', (t, d, e) => guard(() => TeamsStore.softDelete(conv(t, d.conv).rec, d.messageId, e.at)));

    // ---- routes
    const R = (name: string, path: string, roles: Permission[], throttle: RouteSpec['throttle'], handler: (req: GraphRequest, res: GraphResponse) => unknown) =>
      ctx.route({
        name: `teams.${name}`,
        method: 'GET',
        path,
        roles,
        service: 'teams',
        throttle,
        handler: async (req, res) => {
          try {
            await handler(req, res);
          } catch (e) {
            throw teamsError(e);
          }
        },
      });
    const other = (req: GraphRequest): ThrottleScope => ({ kind: 'teams', bucket: 'other', resource: req.params.channelId ?? req.params.teamId ?? req.params.chatId });
    const message = (req: GraphRequest): ThrottleScope => ({ kind: 'teams', bucket: 'message', resource: req.params.channelId ?? req.params.chatId ?? req.params.teamId });

    R('teams.list', '/teams', TEAM_READ, other, (req, res) => {
      const s = state(req.tenant);
      ctx.odata.page(req, res, [...s.teams.values()], { defaultPageSize: 100, maxPageSize: 999, render: (t) => renderTeam(t, req.tenant.id), context: `${req.baseUrl}/$metadata#teams` });
    });
    R('team.get', '/teams/:teamId', TEAM_READ, other, (req, res) =>
      res.json({ '@odata.context': `${req.baseUrl}/$metadata#teams/$entity`, ...ctx.odata.applySelect(renderTeam(state(req.tenant).team(req.params.teamId), req.tenant.id), req.odata.select) }),
    );
    R('channels.list', '/teams/:teamId/channels', CHANNEL_READ, other, (req, res) => {
      const team = state(req.tenant).team(req.params.teamId);
      ctx.odata.page(req, res, [...team.channels.values()], {
        defaultPageSize: 1000,
        maxPageSize: 1000,
        render: (c) => renderChannel(team, c, req.tenant.id),
        context: `${req.baseUrl}/$metadata#teams('${team.id}')/channels`,
      });
    });
    R('channels.all', '/teams/:teamId/allChannels', CHANNEL_READ, other, (req, res) => {
      const team = state(req.tenant).team(req.params.teamId);
      ctx.odata.page(req, res, [...team.channels.values()], { defaultPageSize: 1000, maxPageSize: 1000, render: (c) => renderChannel(team, c, req.tenant.id) });
    });
    R('channel.primary', '/teams/:teamId/primaryChannel', CHANNEL_READ, other, (req, res) => {
      const team = state(req.tenant).team(req.params.teamId);
      res.json(renderChannel(team, [...team.channels.values()][0], req.tenant.id));
    });
    R('channel.filesFolder', '/teams/:teamId/channels/:channelId/filesFolder', FILES_READ, other, (req, res) => {
      const s = state(req.tenant);
      const team = s.team(req.params.teamId);
      const channel = s.channel(team.id, req.params.channelId);
      res.json(channelFilesFolder(ctx, req, team.id, channel));
    });
    R('channel.get', '/teams/:teamId/channels/:channelId', CHANNEL_READ, other, (req, res) => {
      const team = state(req.tenant).team(req.params.teamId);
      res.json(renderChannel(team, state(req.tenant).channel(team.id, req.params.channelId), req.tenant.id));
    });

    // members (team, channel, chat) as aadUserConversationMember
    const memberJson = (t: TenantState, userId: string, owner: boolean) => {
      const u = t.users.get(userId);
      return {
        '@odata.type': '#microsoft.graph.aadUserConversationMember',
        id: Buffer.from(`${userId}`).toString('base64'),
        roles: owner ? ['owner'] : [],
        displayName: u?.displayName ?? null,
        visibleHistoryStartDateTime: '0001-01-01T00:00:00Z',
        userId,
        email: u?.mail ?? null,
        tenantId: t.id,
      };
    };
    const MEMBERS: Permission[] = ['TeamMember.Read.All', 'ChannelMember.Read.All', 'Group.Read.All', 'Directory.Read.All'];
    R('team.members', '/teams/:teamId/members', MEMBERS, other, (req, res) => {
      const team = state(req.tenant).team(req.params.teamId);
      const owners = new Set(req.tenant.groups.get(team.id)?.owners ?? []);
      ctx.odata.page(req, res, team.members, { defaultPageSize: 100, maxPageSize: 999, render: (id) => memberJson(req.tenant, id, owners.has(id)) });
    });
    R('channel.members', '/teams/:teamId/channels/:channelId/members', MEMBERS, other, (req, res) => {
      const team = state(req.tenant).team(req.params.teamId);
      const channel = state(req.tenant).channel(team.id, req.params.channelId);
      const owners = new Set(req.tenant.groups.get(team.id)?.owners ?? []);
      ctx.odata.page(req, res, channel.members, { defaultPageSize: 100, maxPageSize: 999, render: (id) => memberJson(req.tenant, id, owners.has(id)) });
    });
    R('chat.members', '/chats/:chatId/members', CHAT_READ, other, (req, res) => {
      const chat = state(req.tenant).chat(req.params.chatId);
      ctx.odata.page(req, res, chat.members, { defaultPageSize: 100, maxPageSize: 999, render: (m) => memberJson(req.tenant, m.id, chat.chatType === 'group') });
    });

    // messages (channels and chats share the handlers)
    for (const base of ['/teams/:teamId/channels/:channelId', '/chats/:chatId']) {
      const isChat = base.startsWith('/chats');
      const roles = isChat ? CHAT_READ : CHANNEL_MESSAGES;
      const kind = isChat ? 'chat' : 'channel';
      if (!isChat) {
        R(`${kind}.messages.delta`, `${base}/messages/delta`, roles, message, (req, res) => channelDelta(ctx, req, res, conv(req.tenant, keyOf(req))));
      }
      R(`${kind}.messages.list`, `${base}/messages`, roles, message, (req, res) => {
        const { rec, c } = conv(req.tenant, keyOf(req));
        const expand = /replies/i.test(req.odata.expand ?? '');
        const roots = TeamsStore.roots(rec).sort((a, b) => (a.lastModifiedDateTime < b.lastModifiedDateTime ? 1 : -1));
        ctx.odata.page(req, res, roots, {
          defaultPageSize: 20,
          maxPageSize: 50,
          applyOrderBy: false,
          render: (m) => renderMessage(req.baseUrl, req.tenant.id, c, m, expand ? m.replies.map((id) => rec.messages.get(id)!) : undefined),
        });
      });
      R(`${kind}.message.get`, `${base}/messages/:messageId`, roles, message, (req, res) => {
        const { rec, c } = conv(req.tenant, keyOf(req));
        const m = TeamsStore.message(rec, req.params.messageId);
        res.json(renderMessage(req.baseUrl, req.tenant.id, c, m, /replies/i.test(req.odata.expand ?? '') ? m.replies.map((id) => rec.messages.get(id)!) : undefined));
      });
      R(`${kind}.replies.list`, `${base}/messages/:messageId/replies`, roles, message, (req, res) => {
        const { rec, c } = conv(req.tenant, keyOf(req));
        const m = TeamsStore.message(rec, req.params.messageId);
        const replies = m.replies.map((id) => rec.messages.get(id)!).reverse();
        ctx.odata.page(req, res, replies, { defaultPageSize: 20, maxPageSize: 50, render: (r) => renderMessage(req.baseUrl, req.tenant.id, c, r) });
      });
      R(`${kind}.reply.get`, `${base}/messages/:messageId/replies/:replyId`, roles, message, (req, res) => {
        const { rec, c } = conv(req.tenant, keyOf(req));
        const r = TeamsStore.message(rec, req.params.replyId);
        if (r.replyToId !== req.params.messageId) throw new GraphHttpError(404, 'NotFound', 'Reply not found.');
        res.json(renderMessage(req.baseUrl, req.tenant.id, c, r));
      });
      for (const msgPath of ['/messages/:messageId', '/messages/:parentId/replies/:messageId']) {
        const target = (req: GraphRequest) => {
          const { rec } = conv(req.tenant, keyOf(req));
          const m = TeamsStore.message(rec, req.params.messageId);
          if (req.params.parentId && m.replyToId !== req.params.parentId) throw new GraphHttpError(404, 'NotFound', 'Reply not found.');
          return m;
        };
        const hosted = (req: GraphRequest) => {
          const h = target(req).hostedContents.find((x) => x.id === req.params.hostedId);
          if (!h) throw new GraphHttpError(404, 'NotFound', 'Hosted content not found.');
          return h;
        };
        const suffix = msgPath.includes('replies') ? 'reply' : 'message';
        R(`${kind}.${suffix}.hostedContents.list`, `${base}${msgPath}/hostedContents`, roles, message, (req, res) =>
          ctx.odata.page(req, res, target(req).hostedContents, { defaultPageSize: 20, maxPageSize: 50, render: (h) => renderHostedContent(h) }),
        );
        R(`${kind}.${suffix}.hostedContent.value`, `${base}${msgPath}/hostedContents/:hostedId/$value`, roles, message, (req, res) => {
          const h = hosted(req);
          res.send(generatePng(h.seed, h.width, h.height), h.contentType);
        });
        R(`${kind}.${suffix}.hostedContent.get`, `${base}${msgPath}/hostedContents/:hostedId`, roles, message, (req, res) => {
          const h = hosted(req);
          res.json(renderHostedContent(h, generatePng(h.seed, h.width, h.height)));
        });
      }
    }

    // chats of a user, getAllMessages
    R('chats.getAllMessages', '/users/:userId/chats/getAllMessages', CHAT_READ, () => ({ kind: 'teams', bucket: 'getAllMessages' }), (req, res) => {
      const u = ctx.world.user(req.tenant, req.params.userId);
      if (!u) throw new GraphHttpError(404, 'NotFound', `User ${req.params.userId} not found.`);
      const s = state(req.tenant);
      const all: Array<{ c: Conversation; m: MessageRecord }> = [];
      for (const id of s.chatsByUser.get(u.id) ?? []) {
        const chat = s.chats.get(id)!;
        for (const m of chat.messages.values()) all.push({ c: { kind: 'chat', chat }, m });
      }
      all.sort((a, b) => (a.m.lastModifiedDateTime < b.m.lastModifiedDateTime ? -1 : a.m.lastModifiedDateTime > b.m.lastModifiedDateTime ? 1 : a.m.id < b.m.id ? -1 : 1));
      if (req.odata.filter) {
        const ast = ctx.odata.parseFilter(req.odata.filter);
        const props = filterProperties(ast);
        if (props.some((p) => p.toLowerCase() !== 'lastmodifieddatetime')) throw new GraphHttpError(400, 'BadRequest', 'Only lastModifiedDateTime can be filtered on.');
      }
      ctx.odata.page(req, res, all, { defaultPageSize: 20, maxPageSize: 50, applyOrderBy: false, render: (x) => renderMessage(req.baseUrl, req.tenant.id, x.c, x.m) });
    });
    R('chats.list', '/users/:userId/chats', CHAT_READ, other, (req, res) => {
      const u = ctx.world.user(req.tenant, req.params.userId);
      if (!u) throw new GraphHttpError(404, 'NotFound', `User ${req.params.userId} not found.`);
      const s = state(req.tenant);
      const chats = (s.chatsByUser.get(u.id) ?? []).map((id) => s.chats.get(id)!);
      ctx.odata.page(req, res, chats, { defaultPageSize: 50, maxPageSize: 50, render: (c) => renderChat(c, req.tenant.id) });
    });
    R('chat.get', '/chats/:chatId', CHAT_READ, other, (req, res) => res.json(renderChat(state(req.tenant).chat(req.params.chatId), req.tenant.id)));

    // ---- mutations
    const newMessageId = (rec: ConversationRecord): string => {
      let n = Date.now();
      while (rec.messages.has(String(n))) n++;
      return String(n);
    };
    const person = (t: TenantState, idOrUpn: string | undefined, fallback: () => PersonRef): PersonRef => {
      const u = idOrUpn ? ctx.world.user(t, idOrUpn) : undefined;
      return u ? personOf(u) : fallback();
    };
    ctx.mutation<{ teamId?: string; channelId?: string; chatId?: string; replyToId?: string; text?: string; from?: string; mention?: string; image?: boolean; subject?: string }>({
      name: 'teams.postMessage',
      description: 'post a message or reply: {teamId, channelId | chatId, replyToId?, text, from?, mention?: user, image?: true}',
      run: (t, p) => {
        const key: ConvKey = p.chatId ? { chatId: p.chatId } : { teamId: p.teamId!, channelId: p.channelId! };
        let target;
        try {
          target = conv(t, key);
        } catch (e) {
          throw teamsError(e);
        }
        const { rec } = target;
        if (p.replyToId && !rec.messages.get(p.replyToId)) throw new GraphHttpError(404, 'NotFound', `No message ${p.replyToId}.`);
        const members = 'chatId' in key ? (target.c as { chat: { members: PersonRef[] } }).chat.members : [];
        const from = person(t, p.from, () => members[0] ?? personOf([...t.users.values()][0]));
        const id = newMessageId(rec);
        const at = new Date(Number(id)).toISOString();
        const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        let html = `<p>${esc(p.text ?? 'Hello 👋')}</p>`;
        const mentions = [];
        if (p.mention) {
          const who = person(t, p.mention, () => from);
          mentions.push({ id: 0, mentionText: who.displayName, user: who });
          html = `<p><at id="0">${esc(who.displayName)}</at> ${esc(p.text ?? '')}</p>`;
        }
        const hostedContents = [];
        if (p.image) {
          const h = { id: hostedContentId(id, 1), contentType: 'image/png', seed: `${id}:1`, width: 32, height: 24 };
          hostedContents.push(h);
          html += `<p><img src="{{hosted:${h.id}}}" width="32" height="24" alt="image"></p>`;
        }
        const message = {
          id,
          replyToId: p.replyToId ?? null,
          createdDateTime: at,
          lastModifiedDateTime: at,
          lastEditedDateTime: null,
          deletedDateTime: null,
          from,
          subject: p.subject ?? null,
          html,
          importance: 'normal' as const,
          mentions,
          hostedContents,
          reactions: [],
        };
        ctx.world.commit<MessagePosted>('teams.messagePosted', t, { conv: key, message });
        return { id, replyToId: message.replyToId, createdDateTime: at };
      },
    });
    ctx.mutation<{ teamId?: string; channelId?: string; chatId?: string; messageId: string; text: string }>({
      name: 'teams.editMessage',
      description: 'edit a message: {teamId, channelId | chatId, messageId, text}',
      run: (t, p) => {
        const key: ConvKey = p.chatId ? { chatId: p.chatId } : { teamId: p.teamId!, channelId: p.channelId! };
        try {
          TeamsStore.message(conv(t, key).rec, p.messageId);
        } catch (e) {
          throw teamsError(e);
        }
        ctx.world.commit<MessageEdited>('teams.messageEdited', t, { conv: key, messageId: p.messageId, html: `<p>${p.text.replace(/</g, '&lt;')}</p>` });
        return { id: p.messageId };
      },
    });
    ctx.mutation<{ teamId?: string; channelId?: string; chatId?: string; messageId: string }>({
      name: 'teams.deleteMessage',
      description: 'soft-delete a message: {teamId, channelId | chatId, messageId}',
      run: (t, p) => {
        const key: ConvKey = p.chatId ? { chatId: p.chatId } : { teamId: p.teamId!, channelId: p.channelId! };
        try {
          TeamsStore.message(conv(t, key).rec, p.messageId);
        } catch (e) {
          throw teamsError(e);
        }
        ctx.world.commit<MessageDeleted>('teams.messageDeleted', t, { conv: key, messageId: p.messageId });
        return { id: p.messageId };
      },
    });

    ctx.control({
      method: 'GET',
      path: '/teams/tenants/:tenant/overview',
      description: 'teams with channels (id, name, membershipType, message count) and chats per user',
      handler: (req, res) => {
        const t = ctx.world.tenant(req.params.tenant);
        if (!t) throw new GraphHttpError(404, 'NotFound', `No tenant '${req.params.tenant}'.`);
        const s = state(t);
        res.json({
          teams: [...s.teams.values()].map((team) => ({
            id: team.id,
            displayName: team.displayName,
            channels: [...team.channels.values()].map((c) => ({ id: c.id, displayName: c.displayName, membershipType: c.membershipType, roots: TeamsStore.roots(c).length, messages: c.messages.size })),
          })),
          chats: [...s.chatsByUser.entries()].map(([userId, ids]) => ({ userId, chatIds: ids })),
        });
      },
    });

    // ---- fidelity samples
    const firstTeam = (t: TenantState) => [...state(t).teams.values()][0];
    const firstChannel = (t: TenantState) => (firstTeam(t) ? [...firstTeam(t).channels.values()][0] : undefined);
    const firstChatUser = (t: TenantState) => [...state(t).chatsByUser.keys()][0];
    const S = (name: string, entityType: string, collection: boolean, url: (t: TenantState) => string | undefined) =>
      ctx.sample({ name: `teams.${name}`, entityType: `microsoft.graph.${entityType}`, collection, url });
    S('team', 'team', false, (t) => (firstTeam(t) ? `/teams/${firstTeam(t).id}` : undefined));
    S('channels', 'channel', true, (t) => (firstTeam(t) ? `/teams/${firstTeam(t).id}/channels` : undefined));
    S('messages', 'chatMessage', true, (t) => (firstChannel(t) ? `/teams/${firstTeam(t).id}/channels/${encodeURIComponent(firstChannel(t)!.id)}/messages?$expand=replies` : undefined));
    S('messagesDelta', 'chatMessage', true, (t) => (firstChannel(t) ? `/teams/${firstTeam(t).id}/channels/${encodeURIComponent(firstChannel(t)!.id)}/messages/delta` : undefined));
    S('hostedContents', 'chatMessageHostedContent', true, (t) => {
      const c = firstChannel(t);
      const m = c && [...c.messages.values()].find((x) => x.hostedContents.length);
      return m ? `/teams/${firstTeam(t).id}/channels/${encodeURIComponent(c!.id)}/messages/${m.id}/hostedContents` : undefined;
    });
    S('teamMembers', 'conversationMember', true, (t) => (firstTeam(t) ? `/teams/${firstTeam(t).id}/members` : undefined));
    S('chats', 'chat', true, (t) => (firstChatUser(t) ? `/users/${firstChatUser(t)}/chats` : undefined));
    S('chatMessages', 'chatMessage', true, (t) => {
      const u = firstChatUser(t);
      const id = u ? state(t).chatsByUser.get(u)![0] : undefined;
      return id ? `/chats/${encodeURIComponent(id)}/messages` : undefined;
    });
    S('getAllMessages', 'chatMessage', true, (t) => (firstChatUser(t) ? `/users/${firstChatUser(t)}/chats/getAllMessages` : undefined));
    S('filesFolder', 'driveItem', false, (t) => (firstChannel(t) ? `/teams/${firstTeam(t).id}/channels/${encodeURIComponent(firstChannel(t)!.id)}/filesFolder` : undefined));
  },
};

/** Channel message delta: roots changed in the window (a new reply restamps its root), $top <= 50. */
function channelDelta(ctx: SimContext, req: GraphRequest, res: GraphResponse, target: { rec: ConversationRecord; c: Conversation }): void {
  const { rec, c } = target;
  const channel = (c as { channel: ChannelRecord }).channel;
  const collection = `channel:${channel.id}`;
  const raw = req.query.$deltatoken ?? req.query.$skiptoken;
  let lo = 0;
  let hi = rec.seq;
  let offset = 0;
  let expand = /replies/i.test(req.odata.expand ?? '');
  let filterOfRound: string | undefined;
  if (raw) {
    const s = ctx.delta.decode(req, raw, { module: 'teams', collection, expiredError: { status: 410, code: 'SyncStateNotFound', message: 'The sync state is not found or has expired. Restart the sync.' } });
    lo = s.p;
    hi = s.u ?? hi;
    offset = s.o ?? 0;
    expand = s.q?.$expand ? /replies/i.test(s.q.$expand) : expand;
    filterOfRound = s.q?.$filter;
  }
  const top = ctx.odata.pageSize(req, { defaultPageSize: 20, maxPageSize: 50 });
  let all = TeamsStore.window(rec, lo, hi);
  // the documented filter (lastModifiedDateTime gt {dateTime}) narrows the first round; its pages carry it
  const filter = raw ? filterOfRound : req.odata.filter;
  if (filter && lo === 0) {
    const ast = ctx.odata.parseFilter(filter);
    if (filterProperties(ast).some((p) => p.toLowerCase() !== 'lastmodifieddatetime')) throw new GraphHttpError(400, 'BadRequest', 'Only lastModifiedDateTime can be filtered on.');
    all = all.filter((m) => !!ctx.odata.evalFilter(ast, { lastModifiedDateTime: m.lastModifiedDateTime }));
  }
  const page = all.slice(offset, offset + top);
  const bind: Record<string, string> | undefined = expand ? { $expand: 'replies' } : undefined;
  const pageBind = filter && lo === 0 ? { ...(bind ?? {}), $filter: filter } : bind;
  const link = (tok: string, param: string) => ctx.odata.link(req, { $deltatoken: undefined, $skiptoken: undefined, $filter: undefined, $expand: expand ? 'replies' : undefined, [param]: tok });
  const body: Record<string, unknown> = { '@odata.context': `${req.baseUrl}/$metadata#Collection(chatMessage)` };
  if (offset + top < all.length) body['@odata.nextLink'] = link(ctx.delta.encode({ m: 'teams', c: collection, t: req.tenant.id, p: lo, u: hi, o: offset + top, q: pageBind }), '$skiptoken');
  else body['@odata.deltaLink'] = link(ctx.delta.encode({ m: 'teams', c: collection, t: req.tenant.id, p: hi, q: bind }), '$deltatoken');
  body.value = page.map((m) => renderMessage(req.baseUrl, req.tenant.id, c, m, expand ? m.replies.map((id) => rec.messages.get(id)!) : undefined));
  res.json(body);
}

/** The channel's folder in its site's library: created on first access, as Teams does. */
function channelFilesFolder(ctx: SimContext, req: GraphRequest, teamId: string, channel: ChannelRecord): Record<string, unknown> {
  const fa = filesAccessFor(ctx);
  const t = req.tenant;
  let driveId: string;
  if (channel.membershipType === 'standard') {
    const siteId = fa.groupSiteId(t, teamId);
    driveId = fa.state(t).sites.sites.get(siteId)!.driveIds[0];
  } else {
    const editors = channel.members
      .map((id) => t.users.get(id))
      .filter((u) => !!u)
      .map((u) => userRef(u!));
    driveId = fa.state(t).addChannelSite(channel.id, channel.ownSiteName ?? channel.displayName, teamId, editors).drive.id;
  }
  const store = fa.drive(t, driveId);
  let folder = store.childByName(store.root.id, channel.displayName);
  if (!folder) {
    folder = fa.createFolder(t, { driveId, parentId: store.root.id, name: channel.displayName.replace(/["*:<>?/\\|]/g, '_'), ...fa.newItemId(), by: { id: '', displayName: 'Microsoft Teams' } });
  }
  return renderItem({ tenantId: t.id, content: ctx.content }, store, folder);
}
