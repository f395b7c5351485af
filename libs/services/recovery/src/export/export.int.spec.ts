import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTestPoint, readZip, type TestPoint } from '../testing/mailbox-point.int-helper';
import { exportMailboxPoint } from './export.usecase';
import { MAX_NAME_BYTES } from './safe-names';

jest.setTimeout(60_000);

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full, base) : [path.relative(base, full)];
  });
}

describe('export of a recovery point', () => {
  let point: TestPoint;
  const outRoot = mkdtempSync(path.join(tmpdir(), 'hf-export-'));
  const sandbox = path.join(outRoot, 'sandbox');

  beforeAll(async () => {
    point = await buildTestPoint();
    mkdirSync(sandbox);
  });
  afterAll(async () => {
    await point.cleanup();
    rmSync(outRoot, { recursive: true, force: true });
  });

  it('writes one byte-identical .eml per message under safe folder paths, nothing outside the target', async () => {
    const out = path.join(sandbox, 'eml');
    const report = await exportMailboxPoint({ source: point.tenant, pointId: point.pointId, format: 'eml', out });
    expect(report).toMatchObject({ messages: 10, files: 10, failed: [] });
    // nothing escaped: the sandbox holds only the export folder
    expect(readdirSync(sandbox)).toEqual(['eml']);
    const files = walk(out);
    expect(files).toHaveLength(10);
    for (const f of files) {
      for (const seg of f.split(path.sep)) {
        expect(Buffer.byteLength(seg)).toBeLessThanOrEqual(MAX_NAME_BYTES);
        expect(seg).not.toMatch(/^\.|[\\:*?"<>|\u0000]|^(con|nul)(\.|$)/i);
      }
    }
    expect(files.filter((f) => f.startsWith(`Inbox${path.sep}`) && /hello world/i.test(f)).sort()).toEqual([
      path.join('Inbox', '2025-03-01 1000 Hello world.eml'),
      path.join('Inbox', '2025-03-02 1000 Hello world.eml'),
      path.join('Inbox', '2025-03-03 1000 HELLO WORLD.eml'),
    ]);
    expect(files).toContain(path.join('Inbox', '___.._etc', '2025-03-04 1000 .._.._.._passwd.eml'));
    expect(files).toContain(path.join('_tmp_abs', '2025-03-05 1000 _etc_shadow.eml'));
    expect(files.some((f) => f.startsWith(`_CON${path.sep}`))).toBe(true);
    expect(files.some((f) => f.startsWith(`Café ☕ Ünïcödé${path.sep}`))).toBe(true);
    // byte-identical to what was backed up
    const byContent = new Map([...point.mimes].map(([id, m]) => [m.toString('base64'), id]));
    const seen = new Set(files.map((f) => byContent.get(readFileSync(path.join(out, f)).toString('base64'))));
    expect(seen.size).toBe(10);
    expect(seen.has(undefined)).toBe(false);
  });

  it('never overwrites existing files and never follows a link out of the target', async () => {
    const out = path.join(sandbox, 'links');
    const outside = path.join(outRoot, 'outside');
    mkdirSync(out);
    mkdirSync(outside);
    symlinkSync(outside, path.join(out, 'Inbox'));
    await expect(exportMailboxPoint({ source: point.tenant, pointId: point.pointId, format: 'eml', out })).rejects.toThrow(/outside/);
    expect(readdirSync(outside)).toEqual([]);
    const again = await exportMailboxPoint({ source: point.tenant, pointId: point.pointId, format: 'eml', out: path.join(sandbox, 'eml') });
    expect(again.files).toBe(0);
    expect(again.failed).toHaveLength(10);
  });

  it('exports selected folders only, as mbox with one file per folder', async () => {
    const out = path.join(sandbox, 'mbox');
    const report = await exportMailboxPoint({ source: point.tenant, pointId: point.pointId, format: 'mbox', out, folderPaths: ['Inbox'] });
    expect(report.messages).toBe(6);
    expect(walk(out).sort()).toEqual(['Inbox.mbox', path.join('Inbox', '___.._etc.mbox')].sort());
    const mbox = readFileSync(path.join(out, 'Inbox.mbox'), 'latin1');
    expect(mbox.match(/^From MAILER-DAEMON /gm)).toHaveLength(5);
    expect(mbox).toContain('\n>From the start of a line\n');
  });

  it('exports contacts as vCard and events as iCalendar', async () => {
    const vcf = await exportMailboxPoint({ source: point.tenant, pointId: point.pointId, format: 'vcf', out: path.join(sandbox, 'vcf') });
    expect(vcf).toMatchObject({ contacts: 1, messages: 0 });
    const card = readFileSync(path.join(sandbox, 'vcf', 'Contacts', 'Gina; Garcia, PhD.vcf'), 'utf8');
    expect(card).toContain('EMAIL:gina@tailspin.com');
    const ics = await exportMailboxPoint({ source: point.tenant, pointId: point.pointId, format: 'ics', out: path.join(sandbox, 'ics') });
    expect(ics.events).toBe(1);
    expect(readFileSync(path.join(sandbox, 'ics', 'Calendar', 'Board meeting, Q2.ics'), 'utf8')).toContain('DTSTART:20250501T090000Z');
  });

  it('streams everything into a zip with safe entry names', async () => {
    const report = await exportMailboxPoint({ source: point.tenant, pointId: point.pointId, format: 'zip', out: path.join(sandbox, 'zip'), zipName: '../../escape' });
    expect(report.location).toBe(path.join(sandbox, 'zip', '___.._escape.zip'));
    expect(statSync(report.location).isFile()).toBe(true);
    const entries = readZip(readFileSync(report.location));
    expect(entries.size).toBe(12);
    for (const name of entries.keys()) {
      expect(name.split('/').every((s) => s !== '..' && s !== '' && !s.startsWith('/'))).toBe(true);
    }
    const eml = [...entries].find(([n]) => n === 'Inbox/2025-03-01 1000 Hello world.eml');
    expect(eml?.[1].equals(point.mimes.get('m1')!)).toBe(true);
    expect([...entries.keys()]).toContain('Contacts/Gina; Garcia, PhD.vcf');
  });
});
