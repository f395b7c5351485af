import { uniqueSuffix } from './ids';

export function testNatsUrl(): string {
  return process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
}

/** A namespace for streams, consumers and subjects that no other test run uses. */
export function testNamespace(prefix = 't'): string {
  return `${prefix}${uniqueSuffix()}`;
}
