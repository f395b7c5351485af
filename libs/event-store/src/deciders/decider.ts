/**
 * An aggregate as three pure functions: `decide` turns a command and the current state
 * into new events (or throws a HoldfastError), `evolve` folds one event into the state,
 * `initialState` is the state of a stream with no events. No I/O anywhere.
 *
 * `decide` should end with an exhaustive `never` check on the command union, and the
 * state is best a union too (`Empty | Opened | Closed`).
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event | readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events onto the decider's initial state (or onto `from`). */
export function foldEvents<Event, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  events: readonly Event[],
  from: State = decider.initialState(),
): State {
  return events.reduce((state, event) => decider.evolve(state, event), from);
}

/** `decide` may return one event or several; this always gives an array. */
export function asEventArray<Event>(result: Event | readonly Event[]): readonly Event[] {
  return Array.isArray(result) ? (result as readonly Event[]) : [result as Event];
}
