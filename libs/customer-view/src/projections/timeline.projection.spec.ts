import type { CustomerEvent } from '@app/customers/domain/customer.events';
import type { InteractionEvent } from '@app/interactions/domain/interaction.events';
import type { TicketEvent } from '@app/tickets/domain/ticket.events';
import { ProjectionHarness, RecordedEventFactory } from './testing';
import { TIMELINE_COLLECTION, timelineProjection, type TimelineEntryDocument } from './timeline.projection';

const C = 'c-1';
const sla = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 480 };

/** One of every catalogue event, with the channel and summary each must show. */
const cases: { stream: string; event: CustomerEvent | InteractionEvent | TicketEvent; channel: string; summary: string }[] = [
  {
    stream: 'customer-c-1',
    event: { type: 'CustomerRegistered', data: { customerId: C, externalId: 'shop-1', profile: { firstName: 'Ada', lastName: 'Lovelace' } } },
    channel: 'profile',
    summary: 'Registered as Ada Lovelace',
  },
  {
    stream: 'customer-c-1',
    event: { type: 'CustomerProfileUpdated', data: { customerId: C, changes: { email: 'ada@new.example', city: 'London' } } },
    channel: 'profile',
    summary: 'Profile updated: email, city',
  },
  {
    stream: 'customer-c-1',
    event: { type: 'ContactPointAdded', data: { customerId: C, kind: 'phone', value: '+441234', label: 'work' } },
    channel: 'profile',
    summary: 'Contact point added: phone +441234 (work)',
  },
  {
    stream: 'customer-c-1',
    event: { type: 'ConsentGiven', data: { customerId: C, purpose: 'marketing_email', via: 'web form' } },
    channel: 'profile',
    summary: 'Consent given: marketing email via web form',
  },
  {
    stream: 'customer-c-1',
    event: { type: 'ConsentWithdrawn', data: { customerId: C, purpose: 'marketing_sms', via: 'phone call' } },
    channel: 'profile',
    summary: 'Consent withdrawn: marketing sms via phone call',
  },
  {
    stream: 'call-k1',
    event: { type: 'CallLogged', data: { customerId: C, callId: 'k1', direction: 'inbound', durationSeconds: 312, connection: 'answered', resolution: 'resolved' } },
    channel: 'call',
    summary: 'Inbound call, 5m 12s, resolved',
  },
  {
    stream: 'call-k2',
    event: { type: 'CallLogged', data: { customerId: C, callId: 'k2', direction: 'outbound', durationSeconds: 3725, connection: 'answered', resolution: 'follow_up' } },
    channel: 'call',
    summary: 'Outbound call, 1h 2m, follow up',
  },
  {
    stream: 'email-m1',
    event: { type: 'EmailSent', data: { customerId: C, messageId: 'm1', subject: 'Your order has shipped' } },
    channel: 'email',
    summary: 'Email sent: Your order has shipped',
  },
  {
    stream: 'email-m2',
    event: { type: 'EmailReceived', data: { customerId: C, messageId: 'm2', subject: 'Where is\n my parcel?' } },
    channel: 'email',
    summary: 'Email received: Where is my parcel?',
  },
  { stream: 'email-m1', event: { type: 'EmailOpened', data: { customerId: C, messageId: 'm1' } }, channel: 'email', summary: 'Email opened' },
  {
    stream: 'email-m1',
    event: { type: 'EmailClicked', data: { customerId: C, messageId: 'm1', url: 'https://shop.example/track' } },
    channel: 'email',
    summary: 'Email link clicked: https://shop.example/track',
  },
  {
    stream: 'chat-h1',
    event: { type: 'ChatCompleted', data: { customerId: C, chatId: 'h1', channel: 'whatsapp', messageCount: 12, durationSeconds: 480 } },
    channel: 'chat',
    summary: 'Chat via whatsapp, 12 messages, 8m 0s',
  },
  {
    stream: 'order-o1',
    event: {
      type: 'PurchaseCompleted',
      data: {
        customerId: C, orderId: 'o1', channel: 'web', currency: 'EUR', totalMinor: 5990,
        lines: [
          { sku: 'tee', name: 'T-shirt', category: 'tops', quantity: 2, unitPriceMinor: 1995 },
          { sku: 'cap', name: 'Cap', category: 'accessories', quantity: 1, unitPriceMinor: 2000 },
        ],
      },
    },
    channel: 'purchase',
    summary: 'Purchase 3 items, 59.90 EUR',
  },
  {
    stream: 'order-o2',
    event: {
      type: 'PurchaseCompleted',
      data: {
        customerId: C, orderId: 'o2', channel: 'app', currency: 'JPY', totalMinor: 1200,
        lines: [{ sku: 'pen', name: 'Pen', category: 'office', quantity: 1, unitPriceMinor: 1200 }],
      },
    },
    channel: 'purchase',
    summary: 'Purchase 1 item, 1200 JPY',
  },
  {
    stream: 'order-o1',
    event: { type: 'PurchaseRefunded', data: { customerId: C, orderId: 'o1', refundId: 'r1', amountMinor: 2000, currency: 'EUR', reason: 'cap too small' } },
    channel: 'purchase',
    summary: 'Refund 20.00 EUR on order o1: cap too small',
  },
  {
    stream: 'survey-s1',
    event: { type: 'SurveyAnswered', data: { customerId: C, surveyId: 's1', kind: 'nps', score: 9, comment: 'Great service' } },
    channel: 'survey',
    summary: 'NPS 9 (promoter): "Great service"',
  },
  {
    stream: 'survey-s2',
    event: { type: 'SurveyAnswered', data: { customerId: C, surveyId: 's2', kind: 'csat', score: 4 } },
    channel: 'survey',
    summary: 'CSAT 4/5',
  },
  // Found from outside: a comment of spaces read `NPS 7 (passive): ""`; said nothing, as an empty one.
  {
    stream: 'survey-s3',
    event: { type: 'SurveyAnswered', data: { customerId: C, surveyId: 's3', kind: 'nps', score: 7, comment: '   ' } },
    channel: 'survey',
    summary: 'NPS 7 (passive)',
  },
  {
    stream: 'survey-s4',
    event: { type: 'SurveyAnswered', data: { customerId: C, surveyId: 's4', kind: 'nps', score: 7, comment: '  Slow delivery ' } },
    channel: 'survey',
    summary: 'NPS 7 (passive): "Slow delivery"',
  },
  {
    stream: 'note-n1',
    event: { type: 'NoteAdded', data: { customerId: C, noteId: 'n1', text: 'x'.repeat(100), authorId: 'agent-7' } },
    channel: 'note',
    summary: `Note: ${'x'.repeat(79)}…`,
  },
  {
    stream: 'ticket-t1',
    event: { type: 'TicketOpened', data: { customerId: C, ticketId: 't1', subject: 'Wrong size', channel: 'email', priority: 'normal', sla } },
    channel: 'ticket',
    summary: 'Ticket opened: Wrong size',
  },
  {
    stream: 'ticket-t1',
    event: { type: 'TicketAssigned', data: { customerId: C, ticketId: 't1', agentId: 'agent-7' } },
    channel: 'ticket',
    summary: 'Ticket assigned to agent-7',
  },
  {
    stream: 'ticket-t1',
    event: { type: 'TicketReplied', data: { customerId: C, ticketId: 't1', author: 'agent', authorId: 'agent-7', body: 'We will send a new one.' } },
    channel: 'ticket',
    summary: 'Agent replied on ticket: We will send a new one.',
  },
  {
    stream: 'ticket-t1',
    event: { type: 'TicketResolved', data: { customerId: C, ticketId: 't1', resolution: 'Exchanged' } },
    channel: 'ticket',
    summary: 'Ticket resolved: Exchanged',
  },
  {
    stream: 'ticket-t1',
    event: { type: 'TicketReopened', data: { customerId: C, ticketId: 't1' } },
    channel: 'ticket',
    summary: 'Ticket reopened',
  },
  { stream: 'ticket-t1', event: { type: 'TicketClosed', data: { customerId: C, ticketId: 't1' } }, channel: 'ticket', summary: 'Ticket closed' },
];

describe('timeline projection', () => {
  it('writes one row per catalogue event with its channel and a one-line summary', () => {
    const factory = new RecordedEventFactory();
    const events = cases.map((c, i) => factory.record(c.stream, c.event, { at: `2024-05-01T10:${String(i).padStart(2, '0')}:00Z` }));
    const harness = new ProjectionHarness([timelineProjection]).run(events);

    const rows = harness.all<TimelineEntryDocument>(TIMELINE_COLLECTION);
    expect(rows).toHaveLength(cases.length);
    for (const [i, c] of cases.entries()) {
      const row = harness.get<TimelineEntryDocument>(TIMELINE_COLLECTION, events[i].eventId);
      expect({ type: row?.type, channel: row?.channel, summary: row?.summary }).toEqual({ type: c.event.type, channel: c.channel, summary: c.summary });
    }
  });

  it('keeps the envelope fields, the payload, and business time normalised to UTC', () => {
    const factory = new RecordedEventFactory(7);
    factory.record('call-k0', cases[5].event, { at: '2024-01-01T00:00:00Z' });
    const event = factory.record(
      'call-k1',
      cases[5].event,
      { at: '2024-05-01T12:30:00+02:00', actor: { type: 'agent', id: 'agent-7' }, source: 'call-centre' },
    );
    const harness = new ProjectionHarness([timelineProjection]).run([event]);

    expect(harness.get(TIMELINE_COLLECTION, event.eventId)).toEqual({
      id: event.eventId,
      lastPosition: 14,
      customerId: C,
      eventId: event.eventId,
      type: 'CallLogged',
      kind: 'CallLogged',
      channel: 'call',
      occurredAt: '2024-05-01T10:30:00.000Z',
      recordedAt: '2024-05-01T12:30:00+02:00',
      position: 14,
      streamId: 'call-k1',
      summary: 'Inbound call, 5m 12s, resolved',
      data: { customerId: C, callId: 'k1', direction: 'inbound', durationSeconds: 312, connection: 'answered', resolution: 'resolved' },
      actor: { type: 'agent', id: 'agent-7' },
      source: 'call-centre',
    });
  });

  it('summarises a registration by the names there are', () => {
    const factory = new RecordedEventFactory();
    const registration = (customerId: string, profile: object) =>
      factory.record(`customer-${customerId}`, { type: 'CustomerRegistered', data: { customerId, profile } } as CustomerEvent, { at: '2024-05-01T10:00:00Z' });
    const events = [registration('c-2', { lastName: 'Hopper' }), registration('c-3', {}), registration('c-4', { firstName: null, lastName: null })];
    const harness = new ProjectionHarness([timelineProjection]).run(events);
    expect(events.map((event) => harness.get<TimelineEntryDocument>(TIMELINE_COLLECTION, event.eventId)?.summary)).toEqual(['Registered as Hopper', 'Registered', 'Registered']);
  });

  it('ignores events outside the catalogue', () => {
    const factory = new RecordedEventFactory();
    const loyalty = factory.record('loyalty-c-1', { type: 'PointsEarned', data: { customerId: C, points: 10 } }, { at: '2024-05-01T10:00:00Z' });
    expect(timelineProjection.touches(loyalty)).toEqual([]);
    expect(new ProjectionHarness([timelineProjection]).run([loyalty]).all(TIMELINE_COLLECTION)).toEqual([]);
  });

  it('declares the indexes the cursor paging relies on', () => {
    const [collection] = timelineProjection.collections;
    expect(collection.name).toBe('timeline');
    expect(collection.indexes.map((index) => index.fields.map((f) => `${f.field}:${f.direction}`).join(','))).toEqual([
      'customerId:asc,occurredAt:desc,eventId:desc',
      'customerId:asc,channel:asc,occurredAt:desc,eventId:desc',
    ]);
  });
});
