// The functional decider: business rules as pure functions, no I/O.
import type { DomainEvent } from './envelope';

export interface Decider<TCommand, TState, TEvent extends DomainEvent> {
  /** Returns the events a command produces, or throws a DomainError refusing it. */
  decide(command: TCommand, state: TState): TEvent[];
  evolve(state: TState, event: TEvent): TState;
  initialState(): TState;
  /**
   * How the state is kept in a snapshot, for deciders of streams that grow without bound (a command
   * then folds only the events after the latest snapshot). Absent: every command folds the whole stream.
   */
  readonly snapshot?: SnapshotCodec<TState>;
}

/**
 * A decider's state as JSON and back. A snapshot is a cache: one of another version is ignored and
 * the stream folded from its start, so `version` must change whenever the state's shape or meaning
 * changes, or anything else the fold depends on (a configured program), and `decode(encode(s))` must
 * behave exactly as `s` in decide and evolve (Maps and Sets included).
 */
export interface SnapshotCodec<TState> {
  readonly version: string;
  encode(state: TState): unknown;
  decode(encoded: unknown): TState;
}

/** For states that are plain JSON already (no Maps, Sets, Dates or undefined values that matter). */
export function jsonSnapshot<TState>(version: string): SnapshotCodec<TState> {
  return { version, encode: (state) => state, decode: (encoded) => encoded as TState };
}

export function fold<TState, TEvent extends DomainEvent>(
  decider: Pick<Decider<unknown, TState, TEvent>, 'evolve' | 'initialState'>,
  events: readonly TEvent[],
): TState {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}
