import { randomUUID } from 'node:crypto';
import { testNamespace, testNatsUrl } from '@holdfast/testing';
import { MemoryDeadLetterSink } from './dead-letter.repository';
import { JetStreamBus } from './jetstream-bus';
import { CONTRACT_DELIVERY, messageBusContract } from './__tests__/message-bus.contract';

messageBusContract('JetStreamBus', async () => {
  const namespace = testNamespace('msg');
  const installationId = randomUUID();
  const deadLetters = new MemoryDeadLetterSink();
  const make = () =>
    JetStreamBus.connect({
      servers: testNatsUrl(),
      namespace,
      installationId,
      deadLetters,
      delivery: CONTRACT_DELIVERY,
      duplicateWindowMs: 60_000,
    });
  const bus = await make();
  const peers: JetStreamBus[] = [];
  return {
    bus,
    deadLetters,
    async peer() {
      const p = await make();
      peers.push(p);
      return p;
    },
    publishRaw: (subject, data, msgId, headers) => bus.publishRaw(subject, data, msgId, headers),
    async cleanup() {
      await Promise.all(peers.map((p) => p.close()));
      await bus.destroyTopology();
      await bus.close();
    },
  };
});
