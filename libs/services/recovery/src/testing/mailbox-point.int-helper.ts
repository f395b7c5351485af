import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { LocalBackend, Repository, type TenantRepository } from '@holdfast/repository';

/** A message as MIME; `attachmentBytes` adds a binary attachment of that size. */
export function testMime(n: number, opts: { subject?: string; attachmentBytes?: number; body?: string } = {}): Buffer {
  const boundary = `bnd${n}`;
  const att = opts.attachmentBytes ? Buffer.from(Uint8Array.from({ length: opts.attachmentBytes }, (_, i) => (i * 7 + n) % 251)) : undefined;
  return Buffer.from(
    [
      `Message-ID: <msg${n}@fabrikam.com>`,
      `Date: Tue, 04 Mar 2025 10:${String(n % 60).padStart(2, '0')}:00 +0000`,
      'From: "Fay Fabrikam" <fay@fabrikam.com>',
      'To: "Bob" <bob@contoso.com>',
      `Subject: ${opts.subject ?? `Message ${n}`}`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      opts.body ?? `Hello number ${n}\r\nFrom the start of a line`,
      ...(att
        ? [
            `--${boundary}`,
            'Content-Type: application/octet-stream; name="big.bin"',
            'Content-Disposition: attachment; filename="big.bin"',
            'Content-Transfer-Encoding: base64',
            '',
            (att.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
          ]
        : []),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

export interface TestPoint {
  dir: string;
  repo: Repository;
  tenant: TenantRepository;
  pointId: string;
  mimes: Map<string, Buffer>;
  cleanup(): Promise<void>;
}

/** Folders with hostile names, messages, a contact and an event, in the backup worker's manifest shape. */
export async function buildTestPoint(): Promise<TestPoint> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-rec-repo-'));
  const repo = await Repository.init(new LocalBackend(dir), { password: 'pw', scrypt: { N: 1024, r: 8, p: 1 } });
  const tenant = await repo.openTenant('msp-a', { write: true });
  const folders = [
    { kind: 'folder', id: 'inbox', displayName: 'Inbox', parentFolderId: 'root' },
    { kind: 'folder', id: 'evil', displayName: '../../etc', parentFolderId: 'inbox' },
    { kind: 'folder', id: 'abs', displayName: '/tmp/abs', parentFolderId: 'root' },
    { kind: 'folder', id: 'con', displayName: 'CON', parentFolderId: 'root' },
    { kind: 'folder', id: 'uni', displayName: 'Café ☕ Ünïcödé', parentFolderId: 'root' },
  ];
  const subjects: [string, string][] = [
    ['inbox', 'Hello world'],
    ['inbox', 'Hello world'],
    ['inbox', 'HELLO WORLD'],
    ['evil', '../../../passwd'],
    ['abs', '/etc/shadow'],
    ['con', 'nul.txt'],
    ['uni', 'x'.repeat(400)],
    ['uni', '日本語の件名'.repeat(30)],
    ['inbox', 'a\\b:c*d?e"f<g>h|i\u0000j'],
    ['inbox', '...'],
  ];
  const mimes = new Map<string, Buffer>();
  const items: Record<string, unknown>[] = [...folders];
  for (let i = 0; i < subjects.length; i++) {
    const [folderId, subject] = subjects[i];
    const mime = testMime(i + 1, { subject });
    const put = await tenant.putMail(mime);
    const id = `m${i + 1}`;
    mimes.set(id, mime);
    items.push({ kind: 'mail', id, folderId, content: put.ref, size: put.size, isRead: i % 2 === 0, flag: { flagStatus: i === 0 ? 'flagged' : 'notFlagged' }, categories: i === 0 ? ['Red', 'Blue'] : [], importance: i === 0 ? 'high' : 'normal', isDraft: false, subject, receivedDateTime: `2025-03-0${1 + (i % 9)}T10:00:00Z` });
  }
  const contact = await tenant.putBlob(Buffer.from(JSON.stringify({ id: 'c1', displayName: 'Gina; Garcia, PhD', givenName: 'Gina', surname: 'Garcia', emailAddresses: [{ address: 'gina@tailspin.com' }], mobilePhone: '+1 555 0100', companyName: 'Tailspin' })));
  const event = await tenant.putBlob(Buffer.from(JSON.stringify({ id: 'e1', iCalUId: 'uid-e1', subject: 'Board meeting, Q2', start: { dateTime: '2025-05-01T09:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2025-05-01T10:00:00.0000000', timeZone: 'UTC' }, organizer: { emailAddress: { name: 'CEO', address: 'ceo@contoso.com' } }, attendees: [{ emailAddress: { address: 'bob@contoso.com' } }] })));
  items.push({ kind: 'contact', id: 'c1', content: contact.ref, displayName: 'Gina Garcia' });
  items.push({ kind: 'event', id: 'e1', content: event.ref, subject: 'Board meeting, Q2' });
  const info = await tenant.writeManifest(items as never, { labels: { kind: 'mailbox', mailbox: 'bob@contoso.com' } });
  return {
    dir,
    repo,
    tenant,
    pointId: info.id,
    mimes,
    async cleanup() {
      await tenant.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a zip file's entries (stored or deflated), for checking exports. */
export function readZip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip');
  let count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  while (count-- > 0) {
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const lName = buf.readUInt16LE(local + 26);
    const lExtra = buf.readUInt16LE(local + 28);
    const data = buf.subarray(local + 30 + lName + lExtra, local + 30 + lName + lExtra + csize);
    out.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
