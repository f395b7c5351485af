import type { DomainEvent, EventMetadata, RecordedEvent } from '@holdfast/contracts';
import { ConcurrencyError } from '../concurrency.error';
import type { AppendResult, EventStore } from '../event-store.port';
import { asEventArray, foldEvents, type Decider } from './decider';

/** The part of a store (or of a store transaction) a command handler needs. */
export type StreamStore = Pick<EventStore, 'appendToStream' | 'readStream'>;

export interface HandleCommandInput<Command> {
  readonly tenantId: string;
  readonly streamId: string;
  readonly command: Command;
  /** Put on every produced event: correlation, causation (e.g. the command id), trace context, actor. */
  readonly metadata?: Omit<EventMetadata, 'eventId'>;
  /**
   * Run inside this store transaction (e.g. from `PostgresEventStore.withTransaction`) so
   * the service's own writes commit with the events.
   */
  readonly tx?: StreamStore;
}

export interface HandleCommandResult<Event, State> {
  /** State after the new events. */
  readonly state: State;
  /** The new events as stored (empty when the decider decided nothing should happen). */
  readonly events: readonly RecordedEvent<string, Record<string, unknown>>[];
  readonly decided: readonly Event[];
  readonly nextExpectedVersion: number;
  /** How many times the decision was retried after a concurrency conflict. */
  readonly retries: number;
}

export interface CommandHandlerOptions {
  /** Conflicts retried before the ConcurrencyError reaches the caller. Default 3. */
  readonly maxRetries?: number;
}

/**
 * Loads a stream, folds it, decides, and appends with the version it read. When another
 * writer got there first it re-reads and decides again, a bounded number of times; the
 * decision is pure, so deciding again is always safe.
 */
export class CommandHandler<Command, Event extends DomainEvent, State> {
  private readonly maxRetries: number;

  constructor(
    private readonly store: StreamStore,
    private readonly decider: Decider<Command, Event, State>,
    options: CommandHandlerOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 3;
  }

  async handle(input: HandleCommandInput<Command>): Promise<HandleCommandResult<Event, State>> {
    const store = input.tx ?? this.store;
    for (let attempt = 0; ; attempt++) {
      const history = await store.readStream(input.streamId, { tenantId: input.tenantId });
      const version = history.length ? history[history.length - 1].streamVersion : 0;
      const state = foldEvents(this.decider, history as unknown as readonly Event[]);
      const decided = asEventArray(this.decider.decide(input.command, state));
      if (decided.length === 0) {
        return { state, events: [], decided, nextExpectedVersion: version, retries: attempt };
      }
      const toAppend = decided.map((e) => ({
        ...e,
        metadata: { ...input.metadata, ...e.metadata },
      }));
      let result: AppendResult;
      try {
        result = await store.appendToStream(input.tenantId, input.streamId, toAppend, { expectedVersion: version });
      } catch (e) {
        if (e instanceof ConcurrencyError && attempt < this.maxRetries) continue;
        throw e;
      }
      return {
        state: foldEvents(this.decider, decided, state),
        events: result.events,
        decided,
        nextExpectedVersion: result.nextExpectedVersion,
        retries: attempt,
      };
    }
  }
}
