import { AssertionError, deepStrictEqual } from 'node:assert';
import { asEventArray, foldEvents, type Decider } from './decider';

/** What `thenThrows` accepts: an error class, a predicate, or fields the error must have. */
export type ErrorExpectation =
  | (abstract new (...args: never[]) => Error)
  | ((error: unknown) => boolean)
  | { readonly code?: string; readonly message?: string | RegExp; readonly name?: string };

/**
 * Given/when/then for deciders, no I/O:
 *
 *   DeciderSpecification.for(runDecider)
 *     .given([runRequested])
 *     .when({ type: 'StartRun', data: {...} })
 *     .then([runStarted]);
 *
 * Works in any test runner: a failed expectation throws an AssertionError with a diff.
 */
export const DeciderSpecification = {
  for<Command, Event, State>(decider: Decider<Command, Event, State>) {
    return {
      given(events: readonly Event[]) {
        return {
          when(command: Command) {
            const run = () => decider.decide(command, foldEvents(decider, events));
            return new DeciderThen<Event, State>(run, decider, events);
          },
        };
      },
    };
  },
};

export class DeciderThen<Event, State> {
  constructor(
    private readonly run: () => Event | readonly Event[],
    private readonly decider: Decider<never, Event, State>,
    private readonly given: readonly Event[],
  ) {}

  /** The command produced exactly these events, in this order. */
  then(expected: readonly Event[]): void {
    deepStrictEqual(asEventArray(this.run()), expected, 'the decider produced other events than expected');
  }

  /** The command was accepted but changed nothing. */
  thenNothingHappened(): void {
    this.then([]);
  }

  /** The state after the given events and the new ones equals `expected`. */
  thenStateIs(expected: State): void {
    const produced = asEventArray(this.run());
    deepStrictEqual(foldEvents(this.decider, [...this.given, ...produced]), expected, 'the resulting state differs');
  }

  /** The command was rejected with an error matching `expectation` (any error if omitted). */
  thenThrows(expectation?: ErrorExpectation): void {
    let produced: readonly Event[];
    try {
      produced = asEventArray(this.run());
    } catch (error) {
      if (expectation === undefined || matches(error, expectation)) return;
      throw new AssertionError({
        message: `the decider threw an unexpected error: ${describe(error)}`,
        actual: error,
        expected: expectation,
      });
    }
    throw new AssertionError({
      message: `the decider was expected to throw but produced ${produced.length} event(s)`,
      actual: produced,
      expected: expectation,
    });
  }
}

function matches(error: unknown, expectation: ErrorExpectation): boolean {
  if (typeof expectation === 'function') {
    if (expectation === Error || expectation.prototype instanceof Error) {
      return error instanceof (expectation as abstract new (...args: never[]) => Error);
    }
    return (expectation as (error: unknown) => boolean)(error);
  }
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  if (expectation.code !== undefined && e.code !== expectation.code) return false;
  if (expectation.name !== undefined && e.name !== expectation.name) return false;
  if (expectation.message !== undefined) {
    const message = String(e.message);
    if (typeof expectation.message === 'string' ? message !== expectation.message : !expectation.message.test(message)) {
      return false;
    }
  }
  return true;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code ? ` [${String(code)}]` : ''}: ${error.message}`;
  }
  return String(error);
}
