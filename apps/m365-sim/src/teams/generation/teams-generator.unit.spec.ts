import { generateChats, generateTeam } from './teams-generator';
import { TeamsStore } from '../model/teams-store';
import { generatePng } from '../content/png-image';
import { inflateSync } from 'node:zlib';

const people = ['Zoë Ångström', 'Łukasz Żółć', '山田 太郎', 'Ана Петровић', 'Seán Ó Briain'].map((n, i) => ({ id: `0000000${i}-0000-4000-8000-000000000000`, displayName: n }));
const opts = { seed: 5, anchor: '2026-06-01T00:00:00Z', channelsPerTeam: 4, messagesPerChannel: 12, messagesPerChat: 6 };

describe('teams generation', () => {
  const group = { id: 'g1', displayName: 'Équipe Zürich', description: null, visibility: 'private' as const, createdDateTime: '2025-01-01T00:00:00Z', members: people };

  it('creates General plus standard, private and shared channels deterministically', () => {
    const t = generateTeam(group, opts);
    const channels = [...t.channels.values()];
    expect(channels.map((c) => c.membershipType)).toEqual(['standard', 'standard', 'private', 'shared']);
    expect(channels[0].displayName).toBe('General');
    expect(t.internalId).toBe(channels[0].id);
    expect(channels.every((c) => /^19:[0-9a-f]{32}@thread\.tacv2$/.test(c.id))).toBe(true);
    expect(JSON.stringify([...generateTeam(group, opts).channels.values()].map((c) => [...c.messages.keys()]))).toBe(
      JSON.stringify(channels.map((c) => [...c.messages.keys()])),
    );
  });

  it('threads have replies, mentions and inline images, all inside the conversation', () => {
    const c = [...generateTeam(group, opts).channels.values()][0];
    const roots = TeamsStore.roots(c);
    expect(roots).toHaveLength(12);
    const all = [...c.messages.values()];
    expect(all.some((m) => m.replyToId !== null)).toBe(true);
    for (const m of all.filter((x) => x.replyToId)) expect(c.messages.get(m.replyToId!)!.replies).toContain(m.id);
    expect(all.some((m) => m.mentions.length && m.html.includes('<at id="0">'))).toBe(true);
    const withImage = all.find((m) => m.hostedContents.length)!;
    expect(withImage.html).toContain(`{{hosted:${withImage.hostedContents[0].id}}}`);
    expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
  });

  it('a new reply restamps its root for delta', () => {
    const c = [...generateTeam(group, opts).channels.values()][1];
    const root = TeamsStore.roots(c)[3];
    expect(TeamsStore.window(c, 1, c.seq)).toEqual([]);
    TeamsStore.post(c, { id: '9999999999999', replyToId: root.id, createdDateTime: 'x', lastModifiedDateTime: 'x', lastEditedDateTime: null, deletedDateTime: null, from: people[0], subject: null, html: '<p>hi</p>', importance: 'normal', mentions: [], hostedContents: [], reactions: [] });
    expect(TeamsStore.window(c, 1, c.seq).map((m) => m.id)).toEqual([root.id]);
  });

  it('chats are 1:1 and group, each member indexed', () => {
    const chats = generateChats(people, opts);
    expect(chats.filter((c) => c.chatType === 'oneOnOne').length).toBeGreaterThanOrEqual(5);
    expect(chats.filter((c) => c.chatType === 'group')).toHaveLength(1);
    const store = new TeamsStore();
    chats.forEach((c) => store.addChat(c));
    expect(store.chatsByUser.get(people[0].id)!.length).toBeGreaterThanOrEqual(2);
    expect(chats.every((c) => c.messages.size >= 6)).toBe(true);
  });

  it('generates valid PNG images', () => {
    const png = generatePng('s', 20, 10);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const idatLen = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString()).toBe('IDAT');
    expect(inflateSync(png.subarray(41, 41 + idatLen)).length).toBe((20 * 3 + 1) * 10);
    expect(generatePng('s', 20, 10).equals(png)).toBe(true);
  });
});
