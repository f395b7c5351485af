import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { printError } from '../output';
import { register as registerInventory } from './inventory.command';
import { register as registerOrg } from './org.command';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const TOKEN = 'hf_test_token_for_the_cli_0123456789';

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: any;
}

/** A stand-in for the gateway: records requests and answers from a route table. */
function fakeGateway(routes: Record<string, (seen: Seen) => { status?: number; body: unknown }>) {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, auth: req.headers.authorization, body: text ? JSON.parse(text) : undefined };
      seen.push(s);
      const key = `${req.method} ${req.url!.split('?')[0]}`;
      const handler = routes[key];
      const answer = handler ? handler(s) : { status: 404, body: { error: { code: 'not_found', message: `no route ${key}` } } };
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  return {
    seen,
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs the commands in this process (fast); the first test also runs the real binary once. */
async function holdfast(args: string[], url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const env = { HOLDFAST_URL: process.env.HOLDFAST_URL, HOLDFAST_TOKEN: process.env.HOLDFAST_TOKEN, HOLDFAST_POLL_INTERVAL_MS: process.env.HOLDFAST_POLL_INTERVAL_MS };
  Object.assign(process.env, { HOLDFAST_URL: url, HOLDFAST_TOKEN: TOKEN, HOLDFAST_POLL_INTERVAL_MS: '20' });
  const so = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const se = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  process.exitCode = undefined;
  let code: number;
  try {
    const program = new Command('holdfast').exitOverride().configureOutput({ writeErr: (t) => err.push(t), writeOut: (t) => out.push(t) });
    registerOrg(program);
    registerInventory(program);
    await program.parseAsync(['node', 'holdfast', ...args]);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    code = e instanceof CommanderError ? e.exitCode : printError(e, args.includes('--json'));
  } finally {
    so.mockRestore();
    se.mockRestore();
    process.exitCode = undefined;
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

function holdfastBinary(args: string[], url: string, cwd = root): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/holdfast.js'), ...args], {
      cwd,
      env: { ...process.env, HOLDFAST_URL: url, HOLDFAST_TOKEN: TOKEN, HOLDFAST_DEBUG: '', HOLDFAST_POLL_INTERVAL_MS: '20' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const ORG_ID = '2f1c7a52-8d0e-4b59-9a8e-5f4c2b1d0e9a';
const org = {
  organizationId: ORG_ID,
  displayName: 'Contoso',
  m365TenantId: 'a9245a47-4ebb-4dff-b8c1-564c6ec74827',
  cloud: 'usgov',
  services: ['exchange', 'sharepoint'],
  onboarding: 'existing-application',
  connectedAt: '2026-11-22T05:00:00.000Z',
  applications: [{ clientId: '6d3bbd07-9889-4ee0-99c9-973b36f1847b', credentialKind: 'client-secret', credentialExpiresAt: '2026-12-01T00:00:00.000Z', certificateThumbprint: null, expiry: 'expiring', missingPermissions: ['Sites.FullControl.All'] }],
  permissions: { missing: ['Sites.FullControl.All'], servicesReady: ['exchange'], servicesMissingPermissions: ['sharepoint'], byService: { sharepoint: ['Sites.FullControl.All'] } },
};

jest.setTimeout(60_000);

describe('holdfast org and inventory commands (against a stand-in gateway)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-cli-org-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('org add with a client secret posts the organization and reports services missing permissions', async () => {
    const gw = fakeGateway({ 'POST /api/v1/organizations': () => ({ status: 201, body: org }) });
    const url = await gw.listen();
    try {
      const r = await holdfastBinary(
        ['org', 'add', '--name', 'Contoso', '--tenant-id', org.m365TenantId, '--client-id', org.applications[0].clientId, '--client-secret', 's3cr3t', '--cloud', 'usgov', '--services', 'exchange,sharepoint'],
        url,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/connected\nContoso/);
      expect(r.stdout).toContain('MISSING for sharepoint: Sites.FullControl.All');
      expect(r.stdout).toContain('(EXPIRING)');
      expect(gw.seen[0]).toEqual({
        method: 'POST',
        url: '/api/v1/organizations',
        auth: `Bearer ${TOKEN}`,
        body: {
          displayName: 'Contoso',
          cloud: 'usgov',
          services: ['exchange', 'sharepoint'],
          m365TenantId: org.m365TenantId,
          clientId: org.applications[0].clientId,
          credential: { kind: 'client-secret', clientSecret: 's3cr3t' },
        },
      });
    } finally {
      await gw.close();
    }
  });

  it('org add reads a PFX (with its password) or a PEM certificate file, and refuses ambiguous or missing credentials', async () => {
    const gw = fakeGateway({ 'POST /api/v1/organizations': () => ({ status: 201, body: org }) });
    const url = await gw.listen();
    try {
      const pfx = path.join(dir, 'app.pfx');
      writeFileSync(pfx, Buffer.from([0x30, 0x82, 0x01, 0x02, 0xff]));
      const pem = path.join(dir, 'app.pem');
      writeFileSync(pem, '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
      const base = ['org', 'add', '--name', 'C', '--tenant-id', 'contoso.onmicrosoft.com', '--client-id', org.applications[0].clientId, '--json'];
      expect((await holdfast([...base, '--certificate', pfx, '--certificate-password', 'pw'], url)).code).toBe(0);
      expect((await holdfast([...base, '--certificate', pem], url)).code).toBe(0);
      expect(gw.seen[0].body.credential).toEqual({ kind: 'client-certificate', pfxBase64: Buffer.from([0x30, 0x82, 0x01, 0x02, 0xff]).toString('base64'), password: 'pw' });
      expect(gw.seen[1].body.credential).toEqual({ kind: 'client-certificate', pem: readFileSync(pem, 'utf8') });

      const both = await holdfast([...base, '--client-secret', 'x', '--device-code'], url);
      expect(both.code).toBe(2);
      expect(JSON.parse(both.stdout).error.message).toMatch(/exactly one of --client-secret, --certificate FILE or --device-code/);
      const missing = await holdfast([...base, '--certificate', path.join(dir, 'nope.pfx')], url);
      expect(JSON.parse(missing.stdout).error.message).toMatch(/--certificate: cannot read .*nope\.pfx \(ENOENT\)/);
      expect((await holdfast([...base, '--client-secret', 'x', '--secret-expires-at', '2027-06-30'], url)).code).toBe(0);
      expect(gw.seen[2].body.credential).toEqual({ kind: 'client-secret', clientSecret: 'x', expiresAt: '2027-06-30T00:00:00.000Z' });
      const badDate = await holdfast([...base, '--client-secret', 'x', '--secret-expires-at', 'soon'], url);
      expect(JSON.parse(badDate.stdout).error.message).toMatch(/--secret-expires-at: expected/);
      const badService = await holdfast([...base, '--client-secret', 'x', '--services', 'exchange,fax'], url);
      expect(JSON.parse(badService.stdout).error.message).toMatch(/--services: unknown service fax/);
      expect(gw.seen).toHaveLength(3);
    } finally {
      await gw.close();
    }
  });

  it('org add --device-code shows the code, waits for the registration, and saves the certificate once', async () => {
    let polls = 0;
    const gw = fakeGateway({
      'POST /api/v1/organizations/device-code': () => ({ status: 201, body: { onboardingId: 'ob-1', status: 'waiting_for_sign_in', userCode: 'ABCD1234', verificationUri: 'https://microsoft.com/devicelogin' } }),
      'GET /api/v1/onboardings/ob-1': () =>
        ++polls < 3
          ? { body: { onboardingId: 'ob-1', status: 'waiting_for_sign_in' } }
          : { body: { onboardingId: 'ob-1', status: 'completed', organizationId: ORG_ID, certificate: { pfxBase64: Buffer.from('PFXBYTES').toString('base64'), password: 'once-only', thumbprint: 'AB', notAfter: '2028-01-01T00:00:00.000Z' } } },
      [`GET /api/v1/organizations/${ORG_ID}`]: () => ({ body: org }),
    });
    const url = await gw.listen();
    try {
      const file = path.join(dir, 'saved.pfx');
      const r = await holdfast(['org', 'add', '--name', 'Contoso', '--device-code', '--services', 'exchange', '--save-certificate', file], url);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('open https://microsoft.com/devicelogin and enter the code ABCD1234');
      expect(r.stdout).toContain(`saved to ${file}; its password (shown only now): once-only`);
      expect(readFileSync(file, 'utf8')).toBe('PFXBYTES');
      expect(gw.seen[0].body).toEqual({ displayName: 'Contoso', cloud: 'global', services: ['exchange'] });
    } finally {
      await gw.close();
    }
  });

  it('org list/show/check/remove and a server error with its message', async () => {
    const gw = fakeGateway({
      'GET /api/v1/organizations': () => ({ body: [org] }),
      [`GET /api/v1/organizations/${ORG_ID}`]: () => ({ body: org }),
      [`POST /api/v1/organizations/${ORG_ID}/check`]: () => ({ body: { organizationId: ORG_ID, permissions: org.permissions, applications: [{ clientId: 'c1', missing: ['Sites.FullControl.All'] }] } }),
      [`DELETE /api/v1/organizations/${ORG_ID}`]: () => ({ body: { organizationId: ORG_ID, removed: true } }),
      'POST /api/v1/organizations': () => ({ status: 409, body: { error: { code: 'already_exists', message: 'the Microsoft 365 tenant x is already connected as "Contoso"' } } }),
    });
    const url = await gw.listen();
    try {
      const list = await holdfast(['org', 'list'], url);
      expect(list.stdout).toContain(`${ORG_ID}  Contoso`);
      expect(list.stdout).toContain('MISSING PERMISSIONS: sharepoint');
      expect(JSON.parse((await holdfast(['org', 'show', ORG_ID, '--json'], url)).stdout)).toEqual(org);
      const check = await holdfast(['org', 'check', ORG_ID], url);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain('application c1: missing Sites.FullControl.All');
      expect((await holdfast(['org', 'remove', ORG_ID], url)).stdout).toContain(`removed ${ORG_ID}`);
      const dup = await holdfast(['org', 'add', '--name', 'C', '--tenant-id', org.m365TenantId, '--client-id', org.applications[0].clientId, '--client-secret', 'x'], url);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain('holdfast: the Microsoft 365 tenant x is already connected as "Contoso"');
    } finally {
      await gw.close();
    }
  });

  it('inventory list filters and inventory sync reports counts', async () => {
    const gw = fakeGateway({
      'GET /api/v1/inventory': () => ({ body: { total: 1, items: [{ kind: 'user', objectId: 'u1', name: 'Siobhán Tanaka', address: 'siobhan@contoso.com', licensed: false, mailbox: 'none', oneDrive: false, protected: false }] } }),
      [`POST /api/v1/organizations/${ORG_ID}/inventory/sync`]: () => ({ body: { totals: { user: 10, team: 2 }, added: 12, changed: 0, removed: 1 } }),
    });
    const url = await gw.listen();
    try {
      const list = await holdfast(['inventory', 'list', '--org', ORG_ID, '--kind', 'user', '--unlicensed', '--search', 'sio'], url);
      expect(list.stdout).toContain('Siobhán Tanaka  siobhan@contoso.com  (unlicensed: no mailbox/OneDrive)');
      expect(gw.seen[0].url).toBe(`/api/v1/inventory?organizationId=${ORG_ID}&kind=user&search=sio&licensed=false&limit=100&offset=0`);
      const sync = await holdfast(['inventory', 'sync', '--org', ORG_ID, '--json'], url);
      expect(JSON.parse(sync.stdout)).toMatchObject({ added: 12, removed: 1 });
      const bad = await holdfast(['inventory', 'list', '--licensed', '--unlicensed'], url);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('give --licensed or --unlicensed, not both');
    } finally {
      await gw.close();
    }
  });
});
