import { HoldfastError, type RecordedEvent } from '@holdfast/contracts';
import type { PoolClient } from 'pg';

/**
 * A read model kept up to date from the global log. The runner calls `handle` with a batch
 * of events (only the types in `handles`, in log order) inside a transaction that also
 * moves the projection's checkpoint, so each batch is applied exactly once.
 */
export interface Projection {
  /** Unique and stable: the checkpoint is stored under it. e.g. 'gateway.run-status'. */
  readonly name: string;
  /** Event types the projection reads. */
  readonly handles: readonly string[];
  /** Tables the projection owns: emptied (TRUNCATE) before a rebuild replays from zero. */
  readonly tables?: readonly string[];
  /** Extra reset before a rebuild, for state `tables` does not cover (runs after the truncate). */
  reset?(tx: PoolClient): Promise<void>;
  handle(events: readonly RecordedEvent[], tx: PoolClient): Promise<void>;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const TABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** Checks a projection's declaration and returns it unchanged (for `export const x = defineProjection({...})`). */
export function defineProjection<P extends Projection>(projection: P): P {
  if (!NAME.test(projection.name)) {
    throw new HoldfastError(
      'validation_failed',
      `projection name "${projection.name}" must be lower-case letters, digits, '.', '_' or '-'`,
    );
  }
  if (projection.handles.length === 0) {
    throw new HoldfastError('validation_failed', `projection ${projection.name} handles no event types`);
  }
  for (const table of projection.tables ?? []) {
    if (!TABLE.test(table)) {
      throw new HoldfastError('validation_failed', `projection ${projection.name}: "${table}" is not a table name`);
    }
  }
  return projection;
}

/** `schema.table` -> `"schema"."table"`. Names were validated by defineProjection. */
export function quoteTable(table: string): string {
  return table
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}
