import { Writable } from 'node:stream';
import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { ConfigError } from '@holdfast/config';
import { HoldfastError, type RecordedEvent } from '@holdfast/contracts';
import { createTestDatabase, testNamespace, testNatsUrl, type TestDatabase } from '@holdfast/testing';
import type { Pool } from 'pg';
import { z } from 'zod';
import { createRootLogger, getLogger } from '../logging/logger';
import { appliedServiceMigrations } from '../migrations/migration-runner';
import { platformConfigShape, portSetting } from '../platform-config';
import { ReadinessRegistry } from '../readiness/readiness.registry';
import type { ServiceDefinition } from '../service-definition';
import { PG_POOL } from '../service-kit.module';
import { bootServices, type RunningServices } from './boot-services';

// boots Nest, Postgres migrations and the bus: allow for a loaded CI machine
jest.setTimeout(60_000);

const ALPHA_CONFIG = 'alpha.config';
const alphaSchema = z.object({ ...platformConfigShape, PORT: portSetting(0), ALPHA_GREETING: z.string().min(2) });

let alphaHealthy = true;

@Injectable()
class AlphaProbe {
  constructor(readiness: ReadinessRegistry, @Inject(PG_POOL) pool: Pool) {
    readiness.register({
      name: 'alpha.tables',
      check: async () => {
        await pool.query('SELECT 1 FROM alpha_items LIMIT 1');
        if (!alphaHealthy) throw new Error('alpha is switched off');
      },
    });
  }
}

@Controller('alpha')
class AlphaController {
  private readonly log = getLogger(AlphaController.name);
  constructor(@Inject(ALPHA_CONFIG) private readonly config: z.infer<typeof alphaSchema>) {}

  @Get('greeting')
  greeting() {
    this.log.info({ clientSecret: 'very-secret', tenant: { password: 'pw' } }, 'greeting asked');
    return { greeting: this.config.ALPHA_GREETING };
  }

  @Get('missing')
  missing() {
    throw new HoldfastError('not_found', 'Item 42 does not exist');
  }

  @Get('crash')
  crash() {
    throw new Error('database password is hunter2');
  }
}

@Module({ controllers: [AlphaController], providers: [AlphaProbe] })
class AlphaServiceModule {}

const alpha: ServiceDefinition = {
  name: 'alpha',
  module: AlphaServiceModule,
  configSchema: alphaSchema,
  configToken: ALPHA_CONFIG,
  migrations: [
    { name: '0001_items', up: 'CREATE TABLE alpha_items (id text PRIMARY KEY)' },
    { name: '0002_items_name', up: 'ALTER TABLE alpha_items ADD COLUMN name text' },
  ],
};

const BETA_CONFIG = 'beta.config';
@Controller('beta')
class BetaController {
  constructor(@Inject(BETA_CONFIG) private readonly config: { BETA_LIMIT: number }) {}
  @Get('limit')
  limit() {
    return { limit: this.config.BETA_LIMIT };
  }
}
@Module({ controllers: [BetaController] })
class BetaServiceModule {}
const beta: ServiceDefinition = {
  name: 'beta',
  module: BetaServiceModule,
  configSchema: z.object({ ...platformConfigShape, PORT: portSetting(0), BETA_LIMIT: z.coerce.number().default(7) }),
  configToken: BETA_CONFIG,
  migrations: [{ name: '0001_beta', up: 'CREATE TABLE beta_things (id text)' }],
};

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, logger: createRootLogger({ level: 'info', destination: stream }) };
}

describe('bootServices', () => {
  let db: TestDatabase;
  let running: RunningServices | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createTestDatabase('hf_kit');
    env = { DATABASE_URL: db.url, ALPHA_GREETING: 'hello', HOST: '127.0.0.1', HOLDFAST_LOG_LEVEL: 'silent' };
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    alphaHealthy = true;
  });
  afterAll(() => db.drop());

  it('serves health, readiness, metrics and the module routes, with migrations applied', async () => {
    running = await bootServices({ services: [alpha], env });
    expect(await appliedServiceMigrations(running.platform.db, 'alpha')).toEqual(['0001_items', '0002_items_name']);

    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', services: ['alpha'] });

    const ready = await fetch(`${running.url}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: { name: string }[] };
    expect(body.checks.map((c) => c.name).sort()).toEqual(['alpha.tables', 'bus', 'postgres']);

    expect(await (await fetch(`${running.url}/alpha/greeting`)).json()).toEqual({ greeting: 'hello' });
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/holdfast_http_requests[^\n]*route="\/alpha\/greeting"/);
  });

  it('answers 503 from /ready naming the failing probe', async () => {
    running = await bootServices({ services: [alpha], env });
    alphaHealthy = false;
    const ready = await fetch(`${running.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'not_ready',
      checks: expect.arrayContaining([{ name: 'alpha.tables', ok: false, error: 'alpha is switched off' }]),
    });
  });

  it('maps HoldfastError codes to HTTP and hides unexpected errors', async () => {
    running = await bootServices({ services: [alpha], env, logger: captureLogs().logger });
    const missing = await fetch(`${running.url}/alpha/missing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'Item 42 does not exist' } });
    const crash = await fetch(`${running.url}/alpha/crash`);
    expect(crash.status).toBe(500);
    expect(JSON.stringify(await crash.json())).not.toContain('hunter2');
  });

  it('logs JSON with class context and correlation id, secrets redacted', async () => {
    const { lines, logger } = captureLogs();
    running = await bootServices({ services: [alpha], env, logger });
    const res = await fetch(`${running.url}/alpha/greeting`, { headers: { 'x-correlation-id': 'corr-123' } });
    expect(res.headers.get('x-correlation-id')).toBe('corr-123');
    const line = lines.find((l) => l.msg === 'greeting asked');
    expect(line).toMatchObject({
      context: 'AlphaController',
      correlationId: 'corr-123',
      clientSecret: '[redacted]',
      tenant: { password: '[redacted]' },
      level: 'info',
    });
    expect(JSON.stringify(lines)).not.toContain('very-secret');
  });

  it('stops before listening when a setting is bad, naming the variable', async () => {
    const promise = bootServices({ services: [alpha], env: { ...env, ALPHA_GREETING: 'x', HOLDFAST_NAMESPACE: 'Bad Name' } });
    await expect(promise).rejects.toBeInstanceOf(ConfigError);
    await expect(promise).rejects.toThrow(/ALPHA_GREETING[\s\S]*HOLDFAST_NAMESPACE|HOLDFAST_NAMESPACE[\s\S]*ALPHA_GREETING/);
  });

  it('mounts several service modules in one process on one port', async () => {
    running = await bootServices({ services: [alpha, beta], env: { ...env, BETA_LIMIT: '12' } });
    expect(await (await fetch(`${running.url}/alpha/greeting`)).json()).toEqual({ greeting: 'hello' });
    expect(await (await fetch(`${running.url}/beta/limit`)).json()).toEqual({ limit: 12 });
    expect(await (await fetch(`${running.url}/health`)).json()).toMatchObject({ services: ['alpha', 'beta'] });
    expect(await appliedServiceMigrations(running.platform.db, 'beta')).toEqual(['0001_beta']);
  });

  it('uses JetStream when NATS_URL is set and reports the bus in readiness', async () => {
    running = await bootServices({ services: [alpha], env: { ...env, NATS_URL: testNatsUrl(), HOLDFAST_NAMESPACE: testNamespace() } });
    expect(running.platform.bus.kind).toBe('jetstream');
    expect((await fetch(`${running.url}/ready`)).status).toBe(200);
  });

  it('relays events appended to the event store onto the bus', async () => {
    running = await bootServices({ services: [alpha], env });
    const { bus } = running.platform.bus;
    const received = new Promise<RecordedEvent>((resolve) => {
      void bus.subscribeEvents({ durable: 'kit_test', startFrom: 'all' }, async (event) => resolve(event));
    });
    await running.platform.eventStore.appendToStream('tenant-a', 'probe-1', [{ type: 'KitProbeRecorded', data: { n: 1 } }], {
      expectedVersion: 'no_stream',
    });
    expect(await received).toMatchObject({ type: 'KitProbeRecorded', streamId: 'probe-1', tenantId: 'tenant-a', data: { n: 1 } });
  });

  it('closes the server and the connections it opened', async () => {
    const r = await bootServices({ services: [alpha], env });
    await r.close();
    await expect(fetch(`${r.url}/health`)).rejects.toThrow();
    expect(r.platform.db.ended).toBe(true);
  });

  it('applies each migration once when several processes boot at the same time', async () => {
    const fresh = await createTestDatabase('hf_kit_mig');
    try {
      const e = { ...env, DATABASE_URL: fresh.url };
      const both = await Promise.all([bootServices({ services: [alpha], env: e }), bootServices({ services: [alpha], env: e })]);
      expect(await appliedServiceMigrations(both[0].platform.db, 'alpha')).toEqual(['0001_items', '0002_items_name']);
      await Promise.all(both.map((b) => b.close()));
    } finally {
      await fresh.drop();
    }
  });
});
