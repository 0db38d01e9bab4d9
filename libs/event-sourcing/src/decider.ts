// The functional decider: business rules as pure functions, no I/O.
import type { DomainEvent } from './envelope';

export interface Decider<TCommand, TState, TEvent extends DomainEvent> {
  /** Returns the events a command produces, or throws a DomainError refusing it. */
  decide(command: TCommand, state: TState): TEvent[];
  evolve(state: TState, event: TEvent): TState;
  initialState(): TState;
}

export function fold<TState, TEvent extends DomainEvent>(
  decider: Pick<Decider<unknown, TState, TEvent>, 'evolve' | 'initialState'>,
  events: readonly TEvent[],
): TState {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}
