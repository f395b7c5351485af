import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { bootServices, type RunningServices } from '@holdfast/service-kit';
import { gatewayService, totpAt } from '@holdfast/service-gateway';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';

// builds the portal, boots the gateway and a real Chromium on a 2-core machine
jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../../..');
const DIST = path.join(ROOT, 'apps/portal/dist');
const ARTIFACTS = path.join(ROOT, 'test-artifacts/portal');
const ADMIN = { email: 'admin@msp.test', password: 'portal e2e admin password' };

/** The portal is built on the fly (no build step in CI): vite into apps/portal/dist. */
function buildPortal(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/portal/vite.config.mjs'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`portal build failed:\n${r.stdout}\n${r.stderr}`);
}

describe('portal in a real browser', () => {
  let db: TestDatabase;
  let gw: RunningServices;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing: run `bash tools/ensure-chromium.sh` (.ci/run does)');
    buildPortal();
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await createTestDatabase('hf_portal_e2e');
    gw = await bootServices({
      services: [gatewayService],
      env: {
        DATABASE_URL: db.url,
        HOST: '127.0.0.1',
        PORT: '0',
        HOLDFAST_LOG_LEVEL: 'silent',
        HOLDFAST_BUS: 'in-process',
        HOLDFAST_ADMIN_TOKEN: 'hf_portal_e2e_token_0123456789abcdef',
        HOLDFAST_ADMIN_EMAIL: ADMIN.email,
        HOLDFAST_ADMIN_PASSWORD: ADMIN.password,
        HOLDFAST_PORTAL_DIR: DIST,
      },
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // a new context is a fresh, throw-away profile
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await db?.drop();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  it('signs in with the keyboard and shows the overview', async () => {
    await page.goto(gw.url);
    await page.getByRole('heading', { name: 'Sign in to Holdfast' }).waitFor();
    await shot('01-sign-in');
    await page.getByLabel('Email', { exact: true }).focus();
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('wrong password!!');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor();
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByText('No tenants yet.').waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Overview', 'Tenants', 'Users and roles', 'Audit log']);
    await shot('02-overview');
  });

  it('creates a tenant', async () => {
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Northwind Traders');
    await page.getByRole('button', { name: 'Add tenant' }).click();
    await page.getByRole('status').filter({ hasText: 'Tenant Northwind Traders added.' }).waitFor();
    await page.getByRole('cell', { name: 'northwind-traders' }).waitFor();
    await shot('03-tenants');
  });

  it('creates a user of that tenant', async () => {
    await page.getByRole('link', { name: 'Users and roles' }).click();
    await page.getByRole('heading', { name: 'Users and roles', level: 1 }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill('operator@northwind.test');
    await page.getByLabel('Initial password', { exact: true }).fill('operator password 42');
    await page.getByLabel('Role', { exact: true }).selectOption('customer_operator');
    await page.getByLabel('Tenant', { exact: true }).selectOption('northwind-traders');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('status').filter({ hasText: 'User operator@northwind.test created.' }).waitFor();
    await page.getByRole('row', { name: /operator@northwind\.test.*Customer operator.*northwind-traders/ }).waitFor();
    await shot('04-users');
  });

  it('shows both changes in the audit log', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByRole('row', { name: /admin@msp\.test.*tenant\.create.*northwind-traders.*succeeded/ }).waitFor();
    await page.getByRole('row', { name: /admin@msp\.test.*user\.create.*northwind-traders.*succeeded/ }).waitFor();
    await page.getByLabel('Action', { exact: true }).fill('tenant.*');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('table').getByRole('caption').filter({ hasText: '1 entries' }).waitFor();
    await shot('05-audit');
  });

  it('asks for the TOTP code of a user with two-factor authentication', async () => {
    // enrol through the API with the same session the portal uses
    const api = async (method: string, p: string, body?: unknown) => {
      const r = await page.request.fetch(`${gw.url}/api/v1${p}`, {
        method,
        data: body,
        headers: { 'x-csrf-token': csrf },
      });
      return r.json();
    };
    const csrf: string = (await (await page.request.get(`${gw.url}/api/v1/auth/me`)).json()).csrfToken;
    const { secret } = await api('POST', '/auth/totp/enrol');
    await api('POST', '/auth/totp/confirm', { code: totpAt(secret, Date.now() - 30_000) });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code', { exact: true }).waitFor();
    await shot('06-sign-in-totp');
    await page.getByLabel('Authentication code', { exact: true }).fill(totpAt(secret, Date.now()));
    await page.getByRole('button', { name: 'Sign in' }).click();
    // back on the page it was on (#/audit), signed in
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor({ timeout: 10_000 }).catch(async (e) => {
      throw new Error(`${String(e)}\npage says: ${await page.locator('body').innerText()}`);
    });
  });

  it('stays usable on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('cell', { name: 'northwind-traders' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('07-tenants-mobile');
  });
});
