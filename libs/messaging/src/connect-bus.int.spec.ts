import { loadConfig, ConfigError } from '@holdfast/config';
import { testNamespace, testNatsUrl } from '@holdfast/testing';
import { busOptionsFromConfig, connectBus, messagingConfigSchema } from './connect-bus';
import { ensureInstallationId } from './installation.repository';
import { JetStreamBus } from './jetstream-bus';
import { createMessagingDatabase, type MessagingDatabase } from './__tests__/messaging-database';
import { recordedEvent, waitFor } from './__tests__/test-events';

const UNREACHABLE = 'nats://127.0.0.1:1';

describe('connectBus', () => {
  let m: MessagingDatabase;

  beforeAll(async () => {
    m = await createMessagingDatabase();
  });

  afterAll(async () => {
    await m.close();
  });

  it('chooses JetStream when NATS is reachable, with the installation id of the database, and says so', async () => {
    const namespace = testNamespace('conn');
    const { bus, kind, reason } = await connectBus({ natsUrl: testNatsUrl(), namespace, pool: m.pool });
    try {
      expect(kind).toBe('jetstream');
      expect(bus).toBeInstanceOf(JetStreamBus);
      expect(reason).toMatch(/reachable/);
      expect(bus.installationId).toBe(await ensureInstallationId(m.pool));
      // the topology exists: a publish and a consume work without further setup
      const got: string[] = [];
      await bus.subscribeEvents({ durable: 'probe' }, async (e) => void got.push(e.eventId));
      const e = recordedEvent();
      await bus.publishEvent(e);
      await waitFor(() => got.length === 1, 'the probe event');
      expect(got).toEqual([e.eventId]);
    } finally {
      await (bus as JetStreamBus).destroyTopology();
      await bus.close();
    }
  });

  it('falls back to the in-process bus when NATS is unreachable in auto mode, and says why', async () => {
    const { bus, kind, reason } = await connectBus({ natsUrl: UNREACHABLE, pool: m.pool, connectTimeoutMs: 500 });
    try {
      expect(kind).toBe('in-process');
      expect(bus.kind).toBe('in-process');
      expect(reason).toMatch(/127\.0\.0\.1:1 is not usable/);
      await expect(bus.publishEvent(recordedEvent())).resolves.toMatchObject({ duplicate: false });
    } finally {
      await bus.close();
    }
  });

  it('uses the in-process bus when NATS_URL is not set, even without a database', async () => {
    const { bus, kind, reason } = await connectBus({});
    expect(kind).toBe('in-process');
    expect(reason).toBe('NATS_URL is not set');
    expect(bus.namespace).toBe('holdfast');
    await bus.close();
  });

  it('fails instead of falling back when JetStream is required', async () => {
    await expect(
      connectBus({ natsUrl: UNREACHABLE, mode: 'jetstream', pool: m.pool, connectTimeoutMs: 500 }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    await expect(connectBus({ mode: 'jetstream', pool: m.pool })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/NATS_URL/),
    });
  });

  it('refuses JetStream without a way to recognise foreign messages and record dead letters', async () => {
    await expect(connectBus({ natsUrl: testNatsUrl() })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('reads its settings from the environment and names a bad variable', () => {
    const config = loadConfig(messagingConfigSchema, { NATS_URL: 'nats://nats:4222' });
    expect(config).toEqual({ HOLDFAST_NAMESPACE: 'holdfast', NATS_URL: 'nats://nats:4222', HOLDFAST_BUS: 'auto' });
    expect(busOptionsFromConfig(config)).toMatchObject({ namespace: 'holdfast', natsUrl: 'nats://nats:4222', mode: 'auto' });
    expect(() => loadConfig(messagingConfigSchema, { HOLDFAST_NAMESPACE: 'Bad.Name' })).toThrow(ConfigError);
    expect(() => loadConfig(messagingConfigSchema, { HOLDFAST_NAMESPACE: 'Bad.Name' })).toThrow(/HOLDFAST_NAMESPACE/);
    expect(() => loadConfig(messagingConfigSchema, { HOLDFAST_BUS: 'kafka' })).toThrow(/HOLDFAST_BUS/);
  });
});
