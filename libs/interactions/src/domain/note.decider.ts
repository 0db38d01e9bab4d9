// One free-text note an agent wrote about a customer (`note-<noteId>`).
import { refuse, type Decider } from '@app/event-sourcing';
import { assertCustomerRegistered, type WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { AddNote, NoteCommand } from './interaction.commands';
import type { NoteEvent } from './interaction.events';
import { assertNotRecorded, evolveSingleShot, initialSingleShotState, type SingleShotState } from './single-shot-stream';

export type NoteState = SingleShotState;

export const noteDecider: Decider<WithCustomerStatus<NoteCommand>, NoteState, NoteEvent> = {
  initialState: initialSingleShotState,
  evolve: evolveSingleShot,
  decide(command, state) {
    switch (command.type) {
      case 'AddNote':
        return addNote(command, state);
      default: {
        const unhandled: never = command.type;
        throw new Error(`Unhandled note command ${String(unhandled)}`);
      }
    }
  },
};

function addNote(command: WithCustomerStatus<AddNote>, state: NoteState): NoteEvent[] {
  assertCustomerRegistered(command);
  assertNotRecorded(state, `Note ${command.noteId}`, 'noteId');
  if (command.text.trim() === '') throw refuse.rule('A note needs text', 'text');
  const { customerId, noteId, text, authorId } = command;
  return [{ type: 'NoteAdded', data: { customerId, noteId, text, authorId } }];
}
