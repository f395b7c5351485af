import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMigrations } from '@holdfast/event-store';
import { LocalBackend, Repository } from '@holdfast/repository';
import { catalogMigrations, CatalogIndexRepository, indexRecoveryPoint } from '@holdfast/service-catalog';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../../..');

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/holdfast.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOLDFAST_REPO_PASSWORD: 'pw', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MIME = Buffer.from('Message-ID: <x1@contoso.com>\r\nFrom: alice@contoso.com\r\nTo: bob@contoso.com\r\nSubject: Budget zebra\r\nDate: Tue, 04 Mar 2025 10:00:00 +0000\r\n\r\nThe zebra budget.\r\n');

describe('holdfast browse, search and export', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-cli-rec-'));
  const repoDir = path.join(dir, 'repo');
  let db: TestDatabase;
  let pointId: string;

  beforeAll(async () => {
    const repo = await Repository.init(new LocalBackend(repoDir), { password: 'pw', scrypt: { N: 1024, r: 8, p: 1 } });
    const t = await repo.openTenant('acme', { write: true });
    const put = await t.putMail(MIME);
    const info = await t.writeManifest(
      [
        { kind: 'folder', id: 'f1', displayName: 'Inbox' },
        { kind: 'folder', id: 'f2', displayName: '..', parentFolderId: 'f1' },
        { kind: 'mail', id: 'a1', folderId: 'f2', content: put.ref, size: put.size, isRead: true, flag: { flagStatus: 'notFlagged' }, categories: [], importance: 'normal', isDraft: false, subject: '../../Budget zebra', receivedDateTime: '2025-03-04T10:00:00Z' },
      ],
      { labels: { kind: 'mailbox', mailbox: 'bob@contoso.com' } },
    );
    pointId = info.id;
    db = await createTestDatabase('hf_cli_catalog');
    await runMigrations(db.url, { module: 'catalog', migrations: catalogMigrations });
    const pool = new Pool({ connectionString: db.url });
    await indexRecoveryPoint(t, new CatalogIndexRepository(pool), { tenantId: 'acme', organizationId: 'org-1', objectId: 'obj-bob', mailbox: 'bob@contoso.com', pointId, pointTime: '2025-03-05T00:00:00Z' });
    await pool.end();
    await t.close();
    await repo.close();
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports one byte-identical .eml per message under safe folder paths', () => {
    const out = path.join(dir, 'out');
    const r = cli(['export', '--tenant', 'acme', '--mailbox', 'BOB@contoso.com', '--format', 'eml', '--out', out, '--repo', repoDir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ messages: 1, files: 1 });
    expect(readdirSync(dir).sort()).toEqual(['out', 'repo']);
    const sub = readdirSync(path.join(out, 'Inbox'));
    expect(sub).toEqual(['__']);
    const files = readdirSync(path.join(out, 'Inbox', '__'));
    expect(files).toEqual(['2025-03-04 1000 .._.._Budget zebra.eml']);
    expect(readFileSync(path.join(out, 'Inbox', '__', files[0])).equals(MIME)).toBe(true);
  });

  it('refuses an unknown format and a point that does not exist', () => {
    expect(cli(['export', '--tenant', 'acme', '--mailbox', 'bob@contoso.com', '--format', 'pst', '--out', path.join(dir, 'x'), '--repo', repoDir]).code).toBe(2);
    const r = cli(['export', '--tenant', 'acme', '--mailbox', 'bob@contoso.com', '--as-of', '2000-01-01T00:00:00Z', '--out', path.join(dir, 'y'), '--repo', repoDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no recovery point/);
  });

  it('browses and searches the catalog', () => {
    const env = { DATABASE_URL: db.url };
    const boxes = JSON.parse(cli(['browse', '--tenant', 'acme', '--json'], env).stdout);
    expect(boxes.mailboxes).toEqual([expect.objectContaining({ mailbox: 'bob@contoso.com', points: 1 })]);
    const tree = JSON.parse(cli(['browse', '--tenant', 'acme', '--mailbox', 'bob@contoso.com', '--json'], env).stdout);
    expect(tree.folders.map((f: { path: string }) => f.path)).toEqual(['Inbox', 'Inbox/..']);
    const items = JSON.parse(cli(['browse', '--tenant', 'acme', '--mailbox', 'bob@contoso.com', '--folder', 'Inbox', '--subfolders', '--json'], env).stdout);
    expect(items.items.map((i: { itemId: string }) => i.itemId)).toEqual(['a1']);
    const found = JSON.parse(cli(['search', 'zeb', '--tenant', 'acme', '--mailbox', 'bob@contoso.com', '--json'], env).stdout);
    expect(found.items.map((i: { itemId: string }) => i.itemId)).toEqual(['a1']);
  });
});
