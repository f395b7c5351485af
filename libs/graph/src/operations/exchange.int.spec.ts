import { Readable } from 'node:stream';
import { RunningSimulator, startSimulator } from '@holdfast/testing';
import { headerValue } from '../errors/retry-after';
import { simulatorClient } from '../testing/simulator-client.int-helper';
import { batch } from './batch';
import { bufferSource } from './chunk-source';
import { deltaQuery } from './delta';
import { pageAll } from './paging';
import { uploadAttachment } from './upload-session';

interface User {
  id: string;
  userPrincipalName: string;
}
interface Message {
  id: string;
  subject?: string;
}

describe('Graph client against the simulator: Exchange', () => {
  let sim: RunningSimulator;
  let user: User;
  beforeAll(async () => {
    sim = await startSimulator({ users: 3, messagesPerUser: 40, throttle: 'off', modules: ['directory', 'exchange'] });
    const { client } = simulatorClient(sim);
    const users = await pageAll<User & { mail?: string }>(client, { path: '/users', query: { $select: 'id,userPrincipalName,mail' } });
    user = users.find((u) => u.mail) ?? users[0];
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('runs a folder delta, then an incremental delta that sees new and deleted mail', async () => {
    const { client } = simulatorClient(sim);
    const pacing = { workload: 'exchange' as const, mailbox: user.id };
    const initialPath = `/users/${user.id}/mailFolders/inbox/messages/delta`;
    const first = await deltaQuery<Message>(client, { initialPath, query: { $select: 'id,subject' }, maxPageSize: 7, pacing });
    if (first.kind !== 'changes') throw new Error('expected changes');
    expect(first.items.length).toBeGreaterThan(0);
    expect(new Set(first.items.map((m) => m.id)).size).toBe(first.items.length);

    const delivered = await sim.control<{ messages: Array<{ immutableId?: string; id?: string }> }>('POST', `/tenants/${sim.tenantId}/mutations/exchange.newMail`, {
      user: user.id,
      count: 2,
      subject: 'holdfast delta probe',
    });
    const victim = first.items[0];
    await sim.control('POST', `/tenants/${sim.tenantId}/mutations/exchange.deleteMessage`, { user: user.id, messageId: victim.id });

    const second = await deltaQuery<Message>(client, { initialPath, deltaLink: first.deltaLink, pacing });
    if (second.kind !== 'changes') throw new Error('expected changes');
    expect(second.fullEnumeration).toBe(false);
    const probes = second.items.filter((m) => m.subject === 'holdfast delta probe');
    expect(probes).toHaveLength(2);
    expect(delivered.messages).toHaveLength(2);
    expect(second.removed.map((r) => r.id)).toContain(victim.id);
    expect(second.items.map((m) => m.id)).not.toContain(victim.id);
  });

  it('streams a message as MIME ($value)', async () => {
    const { client } = simulatorClient(sim);
    const pacing = { workload: 'exchange' as const, mailbox: user.id };
    const [msg] = (await client.get<{ value: Message[] }>(`/users/${user.id}/messages`, { query: { $top: 1, $select: 'id' }, pacing })).value;
    const res = await client.stream({ path: `/users/${user.id}/messages/${msg.id}/$value`, pacing });
    expect(res.body).toBeInstanceOf(Readable);
    let first: Buffer | undefined;
    let total = 0;
    for await (const chunk of res.body) {
      first ??= chunk as Buffer;
      total += (chunk as Buffer).length;
    }
    const head = first!.toString('latin1');
    expect(head).toMatch(/^(MIME-Version|Received|From|Date|Subject|Message-ID|Return-Path|Content-Type|To):/im);
    const declared = headerValue(res.headers as Record<string, string>, 'content-length');
    if (declared) expect(total).toBe(Number(declared));
    expect(total).toBeGreaterThan(100);
  });

  it('uploads a 5 MB attachment through an upload session and reads it back', async () => {
    const { client } = simulatorClient(sim);
    const pacing = { workload: 'exchange' as const, mailbox: user.id };
    const draft = await client.post<Message>(`/users/${user.id}/messages`, { subject: 'holdfast attachment probe' }, { pacing });
    const content = Buffer.alloc(5 * 1024 * 1024 + 333).map((_, i) => (i * 31) & 0xff);
    const result = await uploadAttachment(client, { mailbox: user.id, parentPath: `/users/${user.id}/messages/${draft.id}`, name: 'probe.bin', contentType: 'application/octet-stream', source: bufferSource(Buffer.from(content)) });
    expect(result.uploadedBytes).toBe(content.length);
    const list = await client.get<{ value: Array<{ id: string; name: string; size: number }> }>(`/users/${user.id}/messages/${draft.id}/attachments`, { query: { $select: 'id,name,size' }, pacing });
    const att = list.value.find((a) => a.name === 'probe.bin')!;
    expect(att).toBeDefined();
    const back = await client.stream({ path: `/users/${user.id}/messages/${draft.id}/attachments/${att.id}/$value`, pacing });
    const parts: Buffer[] = [];
    for await (const c of back.body) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(Buffer.from(content))).toBe(true);
  });

  it('fetches many messages through $batch in envelopes of 20', async () => {
    const { client, metrics } = simulatorClient(sim);
    const pacing = { workload: 'exchange' as const, mailbox: user.id };
    const ids = (await pageAll<Message>(client, { path: `/users/${user.id}/messages`, query: { $select: 'id', $top: 50 }, pacing })).slice(0, 30).map((m) => m.id);
    const results = await batch(client, [
      ...ids.map((id, i) => ({ id: `m${i}`, method: 'GET' as const, url: `/users/${user.id}/messages/${id}?$select=id,subject` })),
      { id: 'missing', method: 'GET' as const, url: `/users/${user.id}/messages/AAMkAGI2THVSAAA=` },
    ]);
    expect(results.size).toBe(ids.length + 1);
    for (let i = 0; i < ids.length; i++) expect(results.get(`m${i}`)).toMatchObject({ status: 200, body: { id: ids[i] } });
    expect(results.get('missing')!.error?.kind).toMatch(/not_found|bad_request/);
    expect(metrics.get('holdfast.graph.requests')).toBeGreaterThanOrEqual(3);
  });
});
