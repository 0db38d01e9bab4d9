// Given/when/then for deciders: given past events, when a command, then these events or this refusal.
import type { Decider } from './decider';
import type { DomainEvent } from './envelope';
import { DomainError, DomainErrorCode } from './domain-error';
import { isDeepStrictEqual, inspect } from 'node:util';

export interface DeciderThen<TEvent> {
  then(expected: readonly TEvent[]): void;
  thenThrows(code: DomainErrorCode, messagePart?: string): void;
}

export const DeciderSpecification = {
  for<TCommand, TState, TEvent extends DomainEvent>(decider: Decider<TCommand, TState, TEvent>) {
    return {
      given(events: readonly TEvent[]) {
        return {
          when(command: TCommand): DeciderThen<TEvent> {
            const run = () => {
              const state = events.reduce((s, e) => decider.evolve(s, e), decider.initialState());
              return decider.decide(command, state);
            };
            return {
              then(expected) {
                const actual = run();
                if (!isDeepStrictEqual(actual, expected)) {
                  throw new Error(`Expected events\n${inspect(expected, { depth: 8 })}\nbut got\n${inspect(actual, { depth: 8 })}`);
                }
              },
              thenThrows(code, messagePart) {
                let produced: TEvent[] | undefined;
                try {
                  produced = run();
                } catch (error) {
                  if (!(error instanceof DomainError)) throw error;
                  if (error.code !== code) throw new Error(`Expected refusal ${code} but got ${error.code}: ${error.message}`);
                  if (messagePart && !error.message.includes(messagePart)) {
                    throw new Error(`Expected refusal message to contain "${messagePart}" but got "${error.message}"`);
                  }
                  return;
                }
                throw new Error(`Expected refusal ${code} but got events ${inspect(produced, { depth: 8 })}`);
              },
            };
          },
        };
      },
    };
  },
};
