import type { ChannelRecord, ChatRecord, HostedContentRecord, MessageRecord, PersonRef, TeamRecord } from './model/teams-store';

/** Graph JSON for teams, channels, chats, chat messages and hosted contents. */

export type Conversation = { kind: 'channel'; team: TeamRecord; channel: ChannelRecord } | { kind: 'chat'; chat: ChatRecord };

function userIdentity(p: PersonRef, tenantId: string): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.teamworkUserIdentity', id: p.id, displayName: p.displayName, userIdentityType: 'aadUser', tenantId };
}

export function conversationPath(c: Conversation): string {
  return c.kind === 'channel' ? `/teams/${c.team.id}/channels/${encodeURIComponent(c.channel.id)}` : `/chats/${encodeURIComponent(c.chat.id)}`;
}

export function hostedContentUrl(baseUrl: string, c: Conversation, m: MessageRecord, h: HostedContentRecord): string {
  const msgPath = m.replyToId ? `messages/${m.replyToId}/replies/${m.id}` : `messages/${m.id}`;
  return `${baseUrl}${conversationPath(c)}/${msgPath}/hostedContents/${h.id}/$value`;
}

export function renderMessage(baseUrl: string, tenantId: string, c: Conversation, m: MessageRecord, replies?: MessageRecord[]): Record<string, unknown> {
  const deleted = m.deletedDateTime !== null;
  let html = m.html;
  for (const h of m.hostedContents) html = html.split(`{{hosted:${h.id}}}`).join(hostedContentUrl(baseUrl, c, m, h));
  const out: Record<string, unknown> = {
    id: m.id,
    replyToId: m.replyToId,
    etag: String(m.etag),
    messageType: 'message',
    createdDateTime: m.createdDateTime,
    lastModifiedDateTime: m.lastModifiedDateTime,
    lastEditedDateTime: m.lastEditedDateTime,
    deletedDateTime: m.deletedDateTime,
    subject: m.subject,
    summary: null,
    chatId: c.kind === 'chat' ? c.chat.id : null,
    importance: m.importance,
    locale: 'en-us',
    webUrl:
      c.kind === 'channel'
        ? `https://teams.microsoft.com/l/message/${encodeURIComponent(c.channel.id)}/${m.id}?groupId=${c.team.id}&tenantId=${tenantId}&createdTime=${Date.parse(m.createdDateTime)}&parentMessageId=${m.replyToId ?? m.id}`
        : null,
    policyViolation: null,
    eventDetail: null,
    from: { application: null, device: null, user: userIdentity(m.from, tenantId) },
    body: { contentType: 'html', content: deleted ? '' : html },
    channelIdentity: c.kind === 'channel' ? { teamId: c.team.id, channelId: c.channel.id } : null,
    attachments: [],
    mentions: deleted
      ? []
      : m.mentions.map((x) => ({ id: x.id, mentionText: x.mentionText, mentioned: { application: null, device: null, conversation: null, user: userIdentity(x.user, tenantId) } })),
    reactions: m.reactions.map((r) => ({ reactionType: r.reactionType, displayName: null, reactionContentUrl: null, createdDateTime: r.createdDateTime, user: { application: null, device: null, user: userIdentity(r.user, tenantId) } })),
    messageHistory: [],
  };
  if (replies) {
    out['replies@odata.context'] = undefined;
    delete out['replies@odata.context'];
    out.replies = replies.map((r) => renderMessage(baseUrl, tenantId, c, r));
  }
  return out;
}

export function renderHostedContent(h: HostedContentRecord, withBytes?: Buffer): Record<string, unknown> {
  const out: Record<string, unknown> = { id: h.id, contentType: h.contentType, contentBytes: withBytes ? withBytes.toString('base64') : null };
  return out;
}

export function renderTeam(t: TeamRecord, tenantId: string): Record<string, unknown> {
  const general = [...t.channels.values()][0];
  return {
    id: t.id,
    createdDateTime: t.createdDateTime,
    displayName: t.displayName,
    description: t.description,
    internalId: t.internalId,
    classification: null,
    specialization: 'none',
    visibility: t.visibility,
    webUrl: `https://teams.microsoft.com/l/team/${encodeURIComponent(general?.id ?? t.internalId)}/conversations?groupId=${t.id}&tenantId=${tenantId}`,
    isArchived: false,
    tenantId,
    memberSettings: { allowCreateUpdateChannels: true, allowDeleteChannels: true, allowAddRemoveApps: true, allowCreateUpdateRemoveTabs: true, allowCreateUpdateRemoveConnectors: true, allowCreatePrivateChannels: true },
    guestSettings: { allowCreateUpdateChannels: false, allowDeleteChannels: false },
    messagingSettings: { allowUserEditMessages: true, allowUserDeleteMessages: true, allowOwnerDeleteMessages: true, allowTeamMentions: true, allowChannelMentions: true },
    funSettings: { allowGiphy: true, giphyContentRating: 'moderate', allowStickersAndMemes: true, allowCustomMemes: true },
    summary: { ownersCount: Math.min(1, t.members.length), membersCount: t.members.length, guestsCount: 0 },
  };
}

export function renderChannel(t: TeamRecord, c: ChannelRecord, tenantId: string): Record<string, unknown> {
  return {
    id: c.id,
    createdDateTime: c.createdDateTime,
    displayName: c.displayName,
    description: c.description,
    isFavoriteByDefault: c.displayName === 'General' ? true : null,
    email: c.email,
    tenantId,
    webUrl: `https://teams.microsoft.com/l/channel/${encodeURIComponent(c.id)}/${encodeURIComponent(c.displayName)}?groupId=${t.id}&tenantId=${tenantId}`,
    membershipType: c.membershipType,
    isArchived: c.isArchived,
  };
}

export function renderChat(c: ChatRecord, tenantId: string): Record<string, unknown> {
  return {
    id: c.id,
    topic: c.topic,
    createdDateTime: c.createdDateTime,
    lastUpdatedDateTime: c.lastUpdatedDateTime,
    chatType: c.chatType,
    webUrl: `https://teams.microsoft.com/l/chat/${encodeURIComponent(c.id)}/0?tenantId=${tenantId}`,
    tenantId,
    isHiddenForAllMembers: false,
    onlineMeetingInfo: null,
    viewpoint: null,
  };
}
