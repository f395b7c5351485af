import { randomUUID } from 'node:crypto';
import { MemoryDeadLetterSink } from './dead-letter.repository';
import { InProcessBroker, InProcessBus } from './in-process-bus';
import type { MessageBus } from './message-bus.port';
import { CONTRACT_DELIVERY, messageBusContract } from './__tests__/message-bus.contract';

messageBusContract('InProcessBus', async () => {
  const broker = new InProcessBroker();
  const deadLetters = new MemoryDeadLetterSink();
  const installationId = randomUUID();
  const make = () =>
    new InProcessBus({ namespace: 'inproc', installationId, deadLetters, broker, delivery: CONTRACT_DELIVERY });
  const bus = make();
  const peers: MessageBus[] = [];
  return {
    bus,
    deadLetters,
    async peer() {
      const p = make();
      peers.push(p);
      return p;
    },
    publishRaw: (subject, data, msgId, headers) => bus.publishRaw(subject, data, msgId, headers),
    async cleanup() {
      await Promise.all([bus, ...peers].map((b) => b.close()));
      broker.shutdown();
    },
  };
});
