// Call, chat, survey and note streams hold exactly one event, so their state only says whether it
// was written (and for whom). Writing it twice is refused; the store's "stream must not exist"
// guard refuses the race the decider cannot see.
import { refuse, type DomainEvent } from '@app/event-sourcing';

export type SingleShotState =
  | { readonly status: 'none' }
  | { readonly status: 'recorded'; readonly customerId: string };

export const initialSingleShotState = (): SingleShotState => ({ status: 'none' });

export function evolveSingleShot(_state: SingleShotState, event: DomainEvent<string, { readonly customerId: string }>): SingleShotState {
  return { status: 'recorded', customerId: event.data.customerId };
}

/** `what` reads like `Call c-7`; `field` is the command field carrying the stream's id. */
export function assertNotRecorded(state: SingleShotState, what: string, field: string): void {
  if (state.status === 'recorded') throw refuse.alreadyExists(`${what} is already recorded`, field);
}
