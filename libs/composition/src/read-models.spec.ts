// A projection that throws stops the projector for everyone, so every projection must take every
// event a client can cause with its optional fields absent, or null as older versions stored them.
// Found as a class from issue 11: a profile without names crashed the command side; the same
// fields reach every read model.
import type { DomainEvent } from '@app/event-sourcing';
import { CUSTOMER_EVENT_TYPES } from '@app/customers';
import { INTERACTION_EVENT_TYPES } from '@app/interactions';
import { TICKET_EVENT_TYPES } from '@app/tickets';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from '@app/customer-view';
import { ProjectionHarness } from '@app/customer-view/projections/testing/projection-harness';
import { RecordedEventFactory } from '@app/customer-view/projections/testing/recorded-event-factory';
import { chronicleProjections } from './read-models';

const customerId = 'c-1';
const sla = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 600 };
const line = { sku: 'S', name: 'Scarf', category: 'accessories', quantity: 1, unitPriceMinor: 1000 };

/** Each catalogue event with only its required fields, on its stream. */
const minimal: [string, DomainEvent][] = [
  ['customer-c-1', { type: 'CustomerRegistered', data: { customerId, profile: {} } }],
  ['customer-c-1', { type: 'CustomerProfileUpdated', data: { customerId, changes: {} } }],
  ['customer-c-1', { type: 'ContactPointAdded', data: { customerId, kind: 'phone', value: '+4930123456' } }],
  ['customer-c-1', { type: 'ConsentGiven', data: { customerId, purpose: 'profiling', via: 'web' } }],
  ['customer-c-1', { type: 'ConsentWithdrawn', data: { customerId, purpose: 'profiling', via: 'web' } }],
  ['call-1', { type: 'CallLogged', data: { customerId, callId: '1', direction: 'inbound', durationSeconds: 60, connection: 'answered', resolution: 'resolved' } }],
  ['email-1', { type: 'EmailSent', data: { customerId, messageId: '1', subject: 'Hi' } }],
  ['email-1', { type: 'EmailOpened', data: { customerId, messageId: '1' } }],
  ['email-1', { type: 'EmailClicked', data: { customerId, messageId: '1', url: 'https://x.example/' } }],
  ['email-2', { type: 'EmailReceived', data: { customerId, messageId: '2', subject: 'Re' } }],
  ['chat-1', { type: 'ChatCompleted', data: { customerId, chatId: '1', channel: 'web', messageCount: 3, durationSeconds: 60 } }],
  ['order-1', { type: 'PurchaseCompleted', data: { customerId, orderId: '1', channel: 'web', currency: 'EUR', lines: [line], totalMinor: 1000 } }],
  ['order-1', { type: 'PurchaseRefunded', data: { customerId, orderId: '1', refundId: 'r1', amountMinor: 100, currency: 'EUR' } }],
  ['survey-1', { type: 'SurveyAnswered', data: { customerId, surveyId: '1', kind: 'nps', score: 9 } }],
  ['survey-2', { type: 'SurveyAnswered', data: { customerId, surveyId: '2', kind: 'csat', score: 4 } }],
  ['note-1', { type: 'NoteAdded', data: { customerId, noteId: '1', text: 'x', authorId: 'a' } }],
  ['ticket-1', { type: 'TicketOpened', data: { customerId, ticketId: '1', subject: 'S', channel: 'email', priority: 'low', sla } }],
  ['ticket-1', { type: 'TicketAssigned', data: { customerId, ticketId: '1', agentId: 'a' } }],
  ['ticket-1', { type: 'TicketReplied', data: { customerId, ticketId: '1', author: 'agent', body: 'b' } }],
  ['ticket-1', { type: 'TicketResolved', data: { customerId, ticketId: '1', resolution: 'r' } }],
  ['ticket-1', { type: 'TicketReopened', data: { customerId, ticketId: '1' } }],
  ['ticket-1', { type: 'TicketNoteAdded', data: { customerId, ticketId: '1', body: 'n' } }],
  ['ticket-1', { type: 'TicketPriorityChanged', data: { customerId, ticketId: '1', priority: 'urgent', previousPriority: 'low', sla } }],
  ['ticket-1', { type: 'TicketClosed', data: { customerId, ticketId: '1' } }],
  // Last: a forget keeps the customer's counts and drops personal values (none here to drop).
  ['customer-c-1', { type: 'CustomerForgotten', data: { customerId, reason: 'erasure request', dataKeyId: null } }],
];

const PROFILE_FIELDS = ['firstName', 'lastName', 'email', 'phone', 'birthDate', 'gender', 'country', 'city', 'language'];
const allNull = Object.fromEntries(PROFILE_FIELDS.map((field) => [field, null]));

/** The optional fields of each event type, given as JSON null. */
const OPTIONAL_AS_NULL: Record<string, Record<string, unknown>> = {
  CustomerRegistered: { externalId: null, profile: allNull },
  CustomerProfileUpdated: { changes: allNull },
  ContactPointAdded: { label: null },
  CallLogged: { agentId: null, summary: null },
  EmailSent: { campaignId: null },
  ChatCompleted: { agentId: null, summary: null },
  PurchaseRefunded: { reason: null },
  SurveyAnswered: { comment: null, ticketId: null },
  TicketReplied: { authorId: null },
  TicketReopened: { reason: null },
};

function history(withNulls: boolean) {
  const factory = new RecordedEventFactory();
  return minimal.map(([streamId, event], index) => {
    const data = withNulls ? { ...(event.data as object), ...OPTIONAL_AS_NULL[event.type] } : event.data;
    return factory.record(streamId, { type: event.type, data }, { at: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString() });
  });
}

describe('every projection and events with optional fields left out or null', () => {
  it.each([
    ['left out', false],
    ['null', true],
  ])('applies every catalogue event with its optional fields %s', (_how, withNulls) => {
    const harness = new ProjectionHarness(chronicleProjections('EUR'));
    expect(() => harness.run(history(withNulls))).not.toThrow();
    const view = harness.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId);
    expect(view).toMatchObject({ displayName: '[forgotten]', registeredAt: '2026-01-01T00:00:00.000Z', profile: { firstName: null, lastName: null }, interactions: 19 });
  });

  it('covers every event type a client can cause', () => {
    expect(new Set(minimal.map(([, event]) => event.type))).toEqual(new Set([...CUSTOMER_EVENT_TYPES, ...INTERACTION_EVENT_TYPES, ...TICKET_EVENT_TYPES]));
  });
});
