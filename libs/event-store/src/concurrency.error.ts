import { HoldfastError } from '@holdfast/contracts';
import type { ExpectedVersion } from './event-store.port';

/**
 * A stream was not at the version the writer expected: someone else appended first.
 * Retry by re-reading the stream and deciding again (the command handler does this).
 */
export class ConcurrencyError extends HoldfastError {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: ExpectedVersion,
    readonly actualVersion: number,
    reason?: string,
  ) {
    super(
      'concurrency_conflict',
      reason ??
        `stream ${streamId} is at version ${actualVersion}, expected ${describeExpected(expectedVersion)}`,
      { streamId, expectedVersion, actualVersion },
    );
    this.name = 'ConcurrencyError';
  }
}

function describeExpected(expected: ExpectedVersion): string {
  if (expected === 'no_stream') return 'no stream';
  if (expected === 'stream_exists') return 'an existing stream';
  if (expected === 'any') return 'any version';
  return `version ${expected}`;
}
