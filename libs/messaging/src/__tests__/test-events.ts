import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@holdfast/contracts';

let position = 0;

/** A recorded event as the event store would hand it to the relay. */
export function recordedEvent(
  overrides: Partial<RecordedEvent> & { type?: string; tenantId?: string } = {},
): RecordedEvent {
  const eventId = overrides.eventId ?? randomUUID();
  position++;
  return {
    type: overrides.type ?? 'ThingHappened',
    data: overrides.data ?? { n: position },
    eventId,
    streamId: overrides.streamId ?? `thing-${eventId}`,
    streamVersion: overrides.streamVersion ?? 1,
    globalPosition: overrides.globalPosition ?? String(position),
    tenantId: overrides.tenantId ?? 'tenant-a',
    schemaVersion: overrides.schemaVersion ?? 1,
    recordedAt: overrides.recordedAt ?? new Date().toISOString(),
    metadata: { eventId, correlationId: `corr-${eventId}`, ...(overrides.metadata ?? {}) },
  };
}

/** Polls until `check` returns true (or a value), failing with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A promise with its resolve and reject, for blocking handlers. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
