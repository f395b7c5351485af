import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appliedServiceMigrations, bootServices, type RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { authService } from './auth-service.module';

describe('auth service', () => {
  let db: TestDatabase;
  let running: RunningServices | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-auth-'));
  const env = () => ({ DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: '0', HOLDFAST_LOG_LEVEL: 'silent', HOLDFAST_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') });

  beforeAll(async () => {
    db = await createTestDatabase('hf_auth');
  });
  afterAll(async () => {
    await running?.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots alone with its migrations applied and its readiness probe passing', async () => {
    running = await bootServices({ services: [authService], env: env() });
    expect(await appliedServiceMigrations(running.platform.db, 'auth')).toEqual(
      authService.migrations.map((m) => m.name),
    );
    const ready = await fetch(`${running.url}/ready`);
    const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
    expect(ready.status).toBe(200);
    expect(body.checks).toContainEqual({ name: 'auth.schema', ok: true });
  });

  it('refuses to start with a bad HOLDFAST_MASTER_KEY, naming it', async () => {
    await expect(bootServices({ services: [authService], env: { ...env(), HOLDFAST_MASTER_KEY: 'c2hvcnQ=' } })).rejects.toThrow(
      /HOLDFAST_MASTER_KEY/,
    );
  });
});
