import { DeciderSpecification, DomainError, DomainErrorCode, fold } from '@app/event-sourcing';
import type { WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { AddNote } from './interaction.commands';
import type { NoteEvent } from './interaction.events';
import { noteDecider } from './note.decider';

const spec = DeciderSpecification.for(noteDecider);

const addNote: WithCustomerStatus<AddNote> = { type: 'AddNote', customerStatus: 'active', customerId: 'c1', noteId: 'n1', text: 'Prefers calls after 5pm', authorId: 'agent-3' };
const added: NoteEvent = { type: 'NoteAdded', data: { customerId: 'c1', noteId: 'n1', text: 'Prefers calls after 5pm', authorId: 'agent-3' } };

function refusalOf(given: readonly NoteEvent[], command: WithCustomerStatus<AddNote>): DomainError {
  try {
    noteDecider.decide(command, fold(noteDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('Expected a refusal');
}

describe('note decider', () => {
  it('adds a note', () => {
    spec.given([]).when(addNote).then([added]);
  });

  it('refuses a note about an unknown customer', () => {
    const command = { ...addNote, customerStatus: 'unknown' as const };
    spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
    expect(refusalOf([], command).field).toBe('customerId');
  });

  it('refuses adding the same note twice', () => {
    spec.given([added]).when(addNote).thenThrows(DomainErrorCode.AlreadyExists, 'Note n1 is already recorded');
    expect(refusalOf([added], addNote).field).toBe('noteId');
  });

  it('refuses a blank note', () => {
    const command = { ...addNote, text: ' \n ' };
    spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'needs text');
    expect(refusalOf([], command).field).toBe('text');
  });
});
