/**
 * Teams, channels, chats and their messages as plain records, with per-conversation change
 * stamps for channel message delta. No I/O: the module wires it to the world journal.
 */
export interface PersonRef {
  id: string;
  displayName: string;
}

export type MembershipType = 'standard' | 'private' | 'shared';

export interface HostedContentRecord {
  id: string;
  contentType: string;
  /** Seed of the generated image (bytes are produced on request). */
  seed: string;
  width: number;
  height: number;
}

export interface MentionRecord {
  id: number;
  mentionText: string;
  user: PersonRef;
}

export interface MessageRecord {
  id: string;
  replyToId: string | null;
  createdDateTime: string;
  lastModifiedDateTime: string;
  lastEditedDateTime: string | null;
  deletedDateTime: string | null;
  from: PersonRef;
  subject: string | null;
  /** HTML; `{{hosted:ID}}` marks where a hosted content URL goes. */
  html: string;
  importance: 'normal' | 'high' | 'urgent';
  mentions: MentionRecord[];
  hostedContents: HostedContentRecord[];
  reactions: { reactionType: string; createdDateTime: string; user: PersonRef }[];
  /** Change stamp inside its conversation. */
  seq: number;
  etag: number;
  /** Reply ids (root messages only), oldest first. */
  replies: string[];
}

export interface ConversationRecord {
  /** Messages by id (roots and replies). */
  messages: Map<string, MessageRecord>;
  seq: number;
}

export interface ChannelRecord extends ConversationRecord {
  id: string;
  teamId: string;
  displayName: string;
  description: string | null;
  membershipType: MembershipType;
  createdDateTime: string;
  email: string;
  isArchived: boolean;
  /** Where the channel's files live (drive id + folder item id), set by the files module. */
  filesFolder?: { driveId: string; itemId: string };
  /** Private/shared channels have their own site; the standard ones use the team's. */
  ownSiteName?: string;
  members: string[];
}

export interface TeamRecord {
  id: string;
  displayName: string;
  description: string | null;
  createdDateTime: string;
  visibility: 'private' | 'public';
  internalId: string;
  channels: Map<string, ChannelRecord>;
  members: string[];
}

export interface ChatRecord extends ConversationRecord {
  id: string;
  chatType: 'oneOnOne' | 'group';
  topic: string | null;
  createdDateTime: string;
  lastUpdatedDateTime: string;
  members: PersonRef[];
}

export class TeamsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class TeamsStore {
  readonly teams = new Map<string, TeamRecord>();
  readonly chats = new Map<string, ChatRecord>();
  /** user id -> chat ids */
  readonly chatsByUser = new Map<string, string[]>();

  addChat(chat: ChatRecord): void {
    this.chats.set(chat.id, chat);
    for (const m of chat.members) {
      const list = this.chatsByUser.get(m.id) ?? [];
      list.push(chat.id);
      this.chatsByUser.set(m.id, list);
    }
  }

  team(id: string): TeamRecord {
    const t = this.teams.get(id);
    if (!t) throw new TeamsError(404, 'NotFound', `No team found with Group Id ${id}`);
    return t;
  }

  channel(teamId: string, channelId: string): ChannelRecord {
    const c = this.team(teamId).channels.get(channelId);
    if (!c) throw new TeamsError(404, 'NotFound', `Channel ${channelId} was not found.`);
    return c;
  }

  chat(id: string): ChatRecord {
    const c = this.chats.get(id);
    if (!c) throw new TeamsError(404, 'NotFound', `Chat ${id} was not found.`);
    return c;
  }

  static message(conv: ConversationRecord, id: string): MessageRecord {
    const m = conv.messages.get(id);
    if (!m) throw new TeamsError(404, 'NotFound', `Message ${id} was not found.`);
    return m;
  }

  static roots(conv: ConversationRecord): MessageRecord[] {
    return [...conv.messages.values()].filter((m) => m.replyToId === null);
  }

  /** Adds a message or a reply; a reply also stamps its root so delta reports the thread. */
  static post(conv: ConversationRecord, msg: Omit<MessageRecord, 'seq' | 'etag' | 'replies'>): MessageRecord {
    if (conv.messages.has(msg.id)) throw new TeamsError(409, 'Conflict', `Message ${msg.id} exists.`);
    const seq = ++conv.seq;
    const record: MessageRecord = { ...msg, seq, etag: 1, replies: [] };
    if (msg.replyToId !== null) {
      const root = TeamsStore.message(conv, msg.replyToId);
      if (root.replyToId !== null) throw new TeamsError(400, 'BadRequest', 'Replies to replies are not supported.');
      root.replies.push(record.id);
      root.seq = seq;
    }
    conv.messages.set(record.id, record);
    return record;
  }

  static edit(conv: ConversationRecord, id: string, html: string, at: string): MessageRecord {
    const m = TeamsStore.message(conv, id);
    m.html = html;
    m.lastEditedDateTime = at;
    m.lastModifiedDateTime = at;
    m.etag++;
    TeamsStore.stamp(conv, m);
    return m;
  }

  static softDelete(conv: ConversationRecord, id: string, at: string): MessageRecord {
    const m = TeamsStore.message(conv, id);
    m.deletedDateTime = at;
    m.lastModifiedDateTime = at;
    m.etag++;
    TeamsStore.stamp(conv, m);
    return m;
  }

  private static stamp(conv: ConversationRecord, m: MessageRecord): void {
    const seq = ++conv.seq;
    m.seq = seq;
    if (m.replyToId !== null) {
      const root = conv.messages.get(m.replyToId);
      if (root) root.seq = seq;
    }
  }

  /** Root messages stamped in (lo, hi], oldest stamp first then by id. */
  static window(conv: ConversationRecord, lo: number, hi: number): MessageRecord[] {
    return TeamsStore.roots(conv)
      .filter((m) => m.seq > lo && m.seq <= hi)
      .sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : 1));
  }
}
