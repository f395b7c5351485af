import { Rng, mixHash } from '../../files/generation/seeded-random';
import {
  type ChannelRecord,
  type ChatRecord,
  type ConversationRecord,
  type HostedContentRecord,
  type MembershipType,
  type MentionRecord,
  type PersonRef,
  type TeamRecord,
  TeamsStore,
} from '../model/teams-store';

/**
 * Deterministic teams (one per Microsoft 365 group that has a team), channels of every
 * membership type, threads with replies, mentions and inline images, and 1:1 and group chats.
 */
export interface TeamsGenOptions {
  seed: string | number;
  anchor: string;
  channelsPerTeam: number;
  messagesPerChannel: number;
  messagesPerChat: number;
}

export interface TeamGroupInput {
  id: string;
  displayName: string;
  description: string | null;
  visibility: 'private' | 'public';
  createdDateTime: string;
  members: PersonRef[];
}

const CHANNEL_NAMES = ['Announcements 📣', 'Projekt Ölwechsel', 'Разработка', 'デザイン', 'Support', 'Ventes – España', 'Random', 'القانونية'];
const PHRASES = [
  'Can someone review the draft before Friday?', 'Voilà, the final numbers are in.', 'Ich habe das Dokument aktualisiert.',
  'Спасибо за помощь!', '了解しました。明日確認します。', 'Meeting moved to 15:00 ⏰', 'Great job everyone 🎉',
  '¿Alguien tiene acceso al informe?', 'Please see the attached screenshot.', 'שלום, יש עדכון?', 'Ship it 🚀',
  'The build is green again.', 'Who owns the Zürich account?', 'Let us sync tomorrow morning.',
];

export function hex32(...parts: ReadonlyArray<string | number>): string {
  return [0, 1, 2, 3].map((k) => mixHash(...parts, k).toString(16).padStart(8, '0')).join('');
}

export function channelIdFor(seed: string | number, teamId: string, n: number): string {
  return `19:${hex32(seed, teamId, 'channel', n)}@thread.tacv2`;
}

export function hostedContentId(messageId: string, n: number): string {
  return Buffer.from(`id=x_${n}-${messageId},type=1,url=`).toString('base64url');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const DAY = 86_400_000;

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Fills a conversation with threads; message ids are creation times in ms, unique per conversation. */
function fillConversation(conv: ConversationRecord, r: Rng, o: TeamsGenOptions, people: PersonRef[], count: number, withReplies: boolean, withSubjects: boolean): void {
  if (people.length === 0) return;
  const end = Date.parse(o.anchor);
  let t = end - r.int(150, 220) * DAY;
  const step = Math.max(60_000, Math.floor((end - t) / Math.max(1, count * 1.5)));
  for (let i = 0; i < count; i++) {
    t += r.int(step / 2, step);
    const from = r.pick(people);
    const id = String(t);
    const mentions: MentionRecord[] = [];
    const hosted: HostedContentRecord[] = [];
    let html = `<p>${escapeHtml(r.pick(PHRASES))}</p>`;
    if (people.length > 1 && r.chance(0.25)) {
      const who = r.pick(people.filter((p) => p.id !== from.id));
      mentions.push({ id: 0, mentionText: who.displayName, user: who });
      html = `<p><at id="0">${escapeHtml(who.displayName)}</at> ${escapeHtml(r.pick(PHRASES))}</p>`;
    }
    if (r.chance(0.15) || i === 0) {
      const h: HostedContentRecord = { id: hostedContentId(id, 1), contentType: 'image/png', seed: `${id}:1`, width: r.int(16, 96), height: r.int(16, 64) };
      hosted.push(h);
      html += `<p><img src="{{hosted:${h.id}}}" width="${h.width}" height="${h.height}" alt="image" style="vertical-align:bottom"></p>`;
    }
    const root = TeamsStore.post(conv, {
      id,
      replyToId: null,
      createdDateTime: iso(t),
      lastModifiedDateTime: iso(t),
      lastEditedDateTime: null,
      deletedDateTime: null,
      from,
      subject: withSubjects && r.chance(0.3) ? r.pick(['Status', 'Quartalsbericht', 'Релиз 2.0', '週次ミーティング']) : null,
      html,
      importance: r.chance(0.05) ? 'high' : 'normal',
      mentions,
      hostedContents: hosted,
      reactions: r.chance(0.2) ? [{ reactionType: r.pick(['like', 'heart', 'laugh']), createdDateTime: iso(t + 60_000), user: r.pick(people) }] : [],
    });
    if (withReplies && (r.chance(0.4) || i === 0)) {
      const replies = r.int(1, 4);
      let rt = t;
      for (let k = 0; k < replies; k++) {
        rt += r.int(30_000, 3_600_000);
        if (rt >= end) break;
        const author = r.pick(people);
        TeamsStore.post(conv, {
          id: String(rt),
          replyToId: root.id,
          createdDateTime: iso(rt),
          lastModifiedDateTime: iso(rt),
          lastEditedDateTime: null,
          deletedDateTime: null,
          from: author,
          subject: null,
          html: `<p>${escapeHtml(r.pick(PHRASES))}</p>`,
          importance: 'normal',
          mentions: [],
          hostedContents: [],
          reactions: [],
        });
      }
      // later replies move the thread forward in time
      t = Math.max(t, rt);
    }
  }
  // generated history counts as "before the first token": stamps start at 1
  for (const m of conv.messages.values()) m.seq = 1;
  conv.seq = 1;
}

export function generateTeam(group: TeamGroupInput, o: TeamsGenOptions): TeamRecord {
  const r = new Rng(o.seed, 'team', group.id);
  const general = channelIdFor(o.seed, group.id, 0);
  const team: TeamRecord = {
    id: group.id,
    displayName: group.displayName,
    description: group.description,
    createdDateTime: group.createdDateTime,
    visibility: group.visibility,
    internalId: general,
    channels: new Map(),
    members: group.members.map((m) => m.id),
  };
  const types: MembershipType[] = ['standard', 'standard', 'private', 'shared'];
  for (let n = 0; n < Math.max(1, o.channelsPerTeam); n++) {
    const membershipType: MembershipType = n === 0 ? 'standard' : types[n % types.length];
    const id = channelIdFor(o.seed, group.id, n);
    const displayName = n === 0 ? 'General' : CHANNEL_NAMES[(n - 1) % CHANNEL_NAMES.length];
    const members = membershipType === 'standard' ? group.members : group.members.filter((_, k) => k % 2 === 0);
    const channel: ChannelRecord = {
      id,
      teamId: group.id,
      displayName,
      description: n === 0 ? null : `${displayName} – ${group.displayName}`,
      membershipType,
      createdDateTime: iso(Date.parse(group.createdDateTime) + n * DAY),
      email: membershipType === 'standard' ? `${group.displayName.replace(/[^A-Za-z0-9]/g, '').slice(0, 20) || 'team'}.${hex32(id).slice(0, 8)}@emea.teams.ms` : '',
      isArchived: false,
      messages: new Map(),
      seq: 0,
      ownSiteName: membershipType === 'standard' ? undefined : `${group.displayName}-${displayName}`,
      members: members.map((m) => m.id),
    };
    fillConversation(channel, new Rng(o.seed, 'channel', id), o, members.length ? members : group.members, o.messagesPerChannel, true, true);
    team.channels.set(id, channel);
  }
  void r;
  return team;
}

/** 1:1 chats between neighbours and group chats of three, over the given users. */
export function generateChats(users: PersonRef[], o: TeamsGenOptions): ChatRecord[] {
  const chats: ChatRecord[] = [];
  const n = users.length;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    for (const d of [1, 2]) {
      if (n < 2 || d >= n) continue;
      const a = users[i];
      const b = users[(i + d) % n];
      const [x, y] = a.id < b.id ? [a, b] : [b, a];
      const id = `19:${x.id}_${y.id}@unq.gbl.spaces`;
      if (seen.has(id)) continue;
      seen.add(id);
      chats.push(makeChat(id, 'oneOnOne', null, [x, y], o));
    }
  }
  for (let i = 0; i + 2 < n; i += 3) {
    const members = users.slice(i, i + 3);
    const id = `19:${hex32(o.seed, 'groupchat', i)}@thread.v2`;
    chats.push(makeChat(id, 'group', i % 2 === 0 ? `Lunch 🍜 crew ${i / 3 + 1}` : null, members, o));
  }
  return chats;
}

function makeChat(id: string, chatType: 'oneOnOne' | 'group', topic: string | null, members: PersonRef[], o: TeamsGenOptions): ChatRecord {
  const r = new Rng(o.seed, 'chat', id);
  const chat: ChatRecord = {
    id,
    chatType,
    topic,
    createdDateTime: iso(Date.parse(o.anchor) - r.int(230, 300) * DAY),
    lastUpdatedDateTime: '',
    members,
    messages: new Map(),
    seq: 0,
  };
  fillConversation(chat, r, o, members, o.messagesPerChat, false, false);
  const last = [...chat.messages.values()].reduce((m, x) => (x.lastModifiedDateTime > m ? x.lastModifiedDateTime : m), chat.createdDateTime);
  chat.lastUpdatedDateTime = last;
  return chat;
}
