/**
 * A separate process that dies (SIGKILL, no cleanup, no ack) at a chosen point, for the
 * crash-recovery tests. Run: node bin/ts-run.js libs/messaging/src/__tests__/crash-child.ts <mode>
 *   relay            publish the log, die before the checkpoint commits
 *   consumer-after   handle one event idempotently, die after the commit and before the ack
 *   consumer-before  die inside the handler's transaction, before it commits
 * Environment: HF_DB_URL, HF_NATS_URL, HF_NS, HF_INSTALLATION, HF_DURABLE.
 */
import { PostgresEventStore } from '@holdfast/event-store';
import { Pool } from 'pg';
import { PostgresDeadLetterStore } from '../dead-letter.repository';
import { handleIdempotently } from '../idempotent-handler';
import { JetStreamBus } from '../jetstream-bus';
import { OutboxRelay } from '../outbox-relay';

const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

async function main(): Promise<void> {
  const mode = process.argv[2];
  const env = (k: string): string => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is required`);
    return v;
  };
  const pool = new Pool({ connectionString: env('HF_DB_URL') });
  const bus = await JetStreamBus.connect({
    servers: env('HF_NATS_URL'),
    namespace: env('HF_NS'),
    installationId: env('HF_INSTALLATION'),
    deadLetters: new PostgresDeadLetterStore(pool),
    delivery: { ackWaitMs: 1_000, backoffMs: [50], maxDeliver: 5 },
  });
  if (mode === 'relay') {
    const relay = new OutboxRelay({
      store: new PostgresEventStore({ pool, notify: false }),
      bus,
      pool,
      beforeCheckpointCommit: async () => die(),
    });
    await relay.runOnce();
    return;
  }
  const durable = env('HF_DURABLE');
  await bus.subscribeEvents({ durable, ackWaitMs: 1_000, backoffMs: [50], maxDeliver: 5 }, async (event) => {
    await handleIdempotently(pool, durable, event, async (tx) => {
      await tx.query('INSERT INTO effects (consumer, event_id) VALUES ($1, $2)', [durable, event.eventId]);
      if (mode === 'consumer-before') die();
    });
    if (mode === 'consumer-after') die();
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
