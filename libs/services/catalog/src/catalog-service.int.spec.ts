import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appliedServiceMigrations, bootServices, type RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { catalogService } from './catalog-service.module';

// boots Nest, Postgres migrations and the bus: allow for a loaded CI machine
jest.setTimeout(60_000);

describe('catalog service', () => {
  let db: TestDatabase;
  let running: RunningServices | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-catalog-'));
  const env = () => ({ DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: '0', HOLDFAST_LOG_LEVEL: 'silent', HOLDFAST_REPOSITORY: `file://${dir}`, HOLDFAST_REPOSITORY_PASSWORD: 'test-password' });

  beforeAll(async () => {
    db = await createTestDatabase('hf_catalog');
  });
  afterAll(async () => {
    await running?.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots alone with its migrations applied and its readiness probe passing', async () => {
    running = await bootServices({ services: [catalogService], env: env() });
    expect(await appliedServiceMigrations(running.platform.db, 'catalog')).toEqual(
      catalogService.migrations.map((m) => m.name),
    );
    const ready = await fetch(`${running.url}/ready`);
    const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
    expect(ready.status).toBe(200);
    expect(body.checks).toContainEqual({ name: 'catalog.schema', ok: true });
  });

  it('refuses to start with a bad HOLDFAST_REPOSITORY, naming it', async () => {
    await expect(bootServices({ services: [catalogService], env: { ...env(), HOLDFAST_REPOSITORY: 'ftp://nowhere' } })).rejects.toThrow(
      /HOLDFAST_REPOSITORY/,
    );
  });
});
