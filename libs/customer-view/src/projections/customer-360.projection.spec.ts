import type { RecordedEvent } from '@app/event-sourcing';
import type { CustomerEvent } from '@app/customers/domain/customer.events';
import type { InteractionEvent, OrderLine } from '@app/interactions/domain/interaction.events';
import type { SlaPolicy, TicketEvent } from '@app/tickets/domain/ticket.events';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from './customer-360.document';
import { customer360Projection, fieldKey } from './customer-360.projection';
import { ProjectionHarness, RecordedEventFactory } from './testing';

const C = 'c-1';
type CatalogueDomainEvent = CustomerEvent | InteractionEvent | TicketEvent;

/** Spec vocabulary: one short call per event, recorded in the order written. */
function history(customerId = C) {
  const factory = new RecordedEventFactory(3);
  const events: RecordedEvent[] = [];
  const add = (stream: string, at: string, event: CatalogueDomainEvent) => {
    const recorded = factory.record(stream, event, { at, customerId });
    events.push(recorded);
    return recorded;
  };
  const d = { customerId };
  return {
    events,
    registered: (at: string) =>
      add(`customer-${customerId}`, at, {
        type: 'CustomerRegistered',
        data: {
          ...d,
          externalId: 'shop-1001',
          profile: {
            firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+4930123456',
            birthDate: '1990-12-10', gender: 'female', country: 'DE', city: 'Berlin', language: 'de',
          },
        },
      }),
    purchase: (orderId: string, at: string, channel: 'web' | 'app' | 'store', currency: string, lines: OrderLine[]) =>
      add(`order-${orderId}`, at, {
        type: 'PurchaseCompleted',
        data: { ...d, orderId, channel, currency, lines, totalMinor: lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0) },
      }),
    refund: (orderId: string, at: string, amountMinor: number, currency = 'EUR') =>
      add(`order-${orderId}`, at, { type: 'PurchaseRefunded', data: { ...d, orderId, refundId: `r-${orderId}`, amountMinor, currency } }),
    call: (callId: string, at: string, direction: 'inbound' | 'outbound', durationSeconds: number) =>
      add(`call-${callId}`, at, { type: 'CallLogged', data: { ...d, callId, direction, durationSeconds, connection: 'answered', resolution: 'resolved' } }),
    emailSent: (messageId: string, at: string) =>
      add(`email-${messageId}`, at, { type: 'EmailSent', data: { ...d, messageId, subject: 'News' } }),
    emailReceived: (messageId: string, at: string) =>
      add(`email-${messageId}`, at, { type: 'EmailReceived', data: { ...d, messageId, subject: 'Question' } }),
    opened: (messageId: string, at: string) => add(`email-${messageId}`, at, { type: 'EmailOpened', data: { ...d, messageId } }),
    clicked: (messageId: string, at: string) =>
      add(`email-${messageId}`, at, { type: 'EmailClicked', data: { ...d, messageId, url: 'https://shop.example/sale' } }),
    chat: (chatId: string, at: string) =>
      add(`chat-${chatId}`, at, { type: 'ChatCompleted', data: { ...d, chatId, channel: 'web', messageCount: 4, durationSeconds: 300 } }),
    note: (noteId: string, at: string) => add(`note-${noteId}`, at, { type: 'NoteAdded', data: { ...d, noteId, text: `note ${noteId}`, authorId: 'agent-7' } }),
    survey: (surveyId: string, at: string, kind: 'nps' | 'csat', score: number) =>
      add(`survey-${surveyId}`, at, { type: 'SurveyAnswered', data: { ...d, surveyId, kind, score } }),
    ticketOpened: (ticketId: string, at: string, subject: string, sla: SlaPolicy) =>
      add(`ticket-${ticketId}`, at, { type: 'TicketOpened', data: { ...d, ticketId, subject, channel: 'email', priority: 'normal', sla } }),
    assigned: (ticketId: string, at: string, agentId: string) =>
      add(`ticket-${ticketId}`, at, { type: 'TicketAssigned', data: { ...d, ticketId, agentId } }),
    replied: (ticketId: string, at: string, author: 'agent' | 'customer', body: string) =>
      add(`ticket-${ticketId}`, at, { type: 'TicketReplied', data: { ...d, ticketId, author, body } }),
    resolved: (ticketId: string, at: string, resolution: string) =>
      add(`ticket-${ticketId}`, at, { type: 'TicketResolved', data: { ...d, ticketId, resolution } }),
    reopened: (ticketId: string, at: string, reason: string) =>
      add(`ticket-${ticketId}`, at, { type: 'TicketReopened', data: { ...d, ticketId, reason } }),
    closed: (ticketId: string, at: string) => add(`ticket-${ticketId}`, at, { type: 'TicketClosed', data: { ...d, ticketId } }),
    other: (stream: string, at: string, event: CatalogueDomainEvent) => add(stream, at, event),
  };
}

function project(events: readonly RecordedEvent[], customerId = C): Customer360Document {
  const doc = new ProjectionHarness([customer360Projection]).run(events).get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId);
  if (!doc) throw new Error(`no customer360 document for ${customerId}`);
  return doc;
}

const line = (sku: string, category: string, quantity: number, unitPriceMinor: number): OrderLine => ({ sku, name: sku, category, quantity, unitPriceMinor });

describe('customer 360 projection', () => {
  /**
   * Ada's first quarter, delivered stream by stream (the way a relay may deliver different
   * streams), not in business-time order. Every figure below is worked out by hand.
   */
  function adasHistory() {
    const h = history();
    h.registered('2024-01-05T09:00:00Z');
    h.other('customer-c-1', '2024-01-06T09:00:00Z', { type: 'ContactPointAdded', data: { customerId: C, kind: 'email', value: 'ada.work@example.org', label: 'work' } });
    h.other('customer-c-1', '2024-01-06T10:00:00Z', { type: 'ConsentGiven', data: { customerId: C, purpose: 'marketing_email', via: 'web form' } });
    h.other('customer-c-1', '2024-01-06T10:00:00Z', { type: 'ConsentGiven', data: { customerId: C, purpose: 'marketing_sms', via: 'web form' } });
    h.other('customer-c-1', '2024-02-20T10:00:00Z', { type: 'ConsentWithdrawn', data: { customerId: C, purpose: 'marketing_sms', via: 'phone call' } });
    // Surveys before the tickets they interleave with in time.
    h.survey('s1', '2024-03-02T12:00:00Z', 'nps', 9);
    h.survey('s2', '2024-03-16T12:00:00Z', 'nps', 6);
    h.survey('s3', '2024-04-05T12:00:00Z', 'nps', 10);
    h.survey('s4', '2024-04-01T17:00:00Z', 'csat', 5);
    h.survey('s5', '2024-04-02T20:00:00Z', 'csat', 3);
    h.survey('s6', '2024-04-03T10:00:00Z', 'csat', 4);
    // Orders: 69.90 + 120.00 + 89.99 = 279.89 EUR gross, 5.00 refunded.
    h.purchase('o-1', '2024-02-01T12:00:00Z', 'web', 'EUR', [line('shoe-1', 'shoes', 1, 5990), line('sock-1', 'accessories', 2, 500)]);
    h.refund('o-1', '2024-02-10T12:00:00Z', 500);
    h.purchase('o-2', '2024-03-01T12:00:00Z', 'app', 'EUR', [line('jacket-1', 'outerwear', 1, 12000)]);
    h.purchase('o-3', '2024-03-15T12:00:00Z', 'store', 'EUR', [line('boot-1', 'shoes', 1, 8999)]);
    h.call('k1', '2024-02-11T08:00:00Z', 'inbound', 312);
    h.call('k2', '2024-02-12T08:00:00Z', 'outbound', 60);
    // m-1 opened twice and clicked twice, m-2 opened once, m-3 received.
    h.emailSent('m-1', '2024-02-13T08:00:00Z');
    h.opened('m-1', '2024-02-13T09:00:00Z');
    h.opened('m-1', '2024-02-14T09:00:00Z');
    h.clicked('m-1', '2024-02-14T09:01:00Z');
    h.clicked('m-1', '2024-02-14T09:02:00Z');
    h.emailSent('m-2', '2024-02-15T08:00:00Z');
    h.opened('m-2', '2024-02-15T10:00:00Z');
    h.emailReceived('m-3', '2024-02-16T08:00:00Z');
    h.chat('h1', '2024-02-17T08:00:00Z');
    h.note('n1', '2024-02-18T08:00:00Z');
    // T-1: answered in 30 min, resolved after 360 min (targets 60 / 1440): no breach; closed.
    const standard = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 1440 };
    h.ticketOpened('T-1', '2024-04-01T10:00:00Z', 'Wrong size', standard);
    h.replied('T-1', '2024-04-01T10:30:00Z', 'agent', 'On it');
    h.resolved('T-1', '2024-04-01T16:00:00Z', 'Exchanged');
    h.closed('T-1', '2024-04-02T10:00:00Z');
    // T-2: the customer's own reply is no response; agent answers after 120 min (target 60) and
    // resolves after 600 min (target 480): two breaches. Reopened and re-resolved: counted once.
    const tight = { name: 'tight', firstResponseMinutes: 60, resolutionMinutes: 480 };
    h.ticketOpened('T-2', '2024-04-02T09:00:00Z', 'Broken zipper', tight);
    h.replied('T-2', '2024-04-02T09:10:00Z', 'customer', 'Any news?');
    h.replied('T-2', '2024-04-02T11:00:00Z', 'agent', 'Sorry for the wait');
    h.resolved('T-2', '2024-04-02T19:00:00Z', 'Replacement sent');
    h.reopened('T-2', '2024-04-03T07:30:00Z', 'still broken');
    h.resolved('T-2', '2024-04-03T12:00:00Z', 'Refund issued');
    // T-3: resolved after 60 min (target 240) but never answered within 30: first-response breach.
    h.ticketOpened('T-3', '2024-04-03T08:00:00Z', 'Cannot log in', { name: 'vip', firstResponseMinutes: 30, resolutionMinutes: 240 });
    h.resolved('T-3', '2024-04-03T09:00:00Z', 'Password reset');
    // T-4: still open.
    h.ticketOpened('T-4', '2024-04-04T08:00:00Z', 'Parcel missing', tight);
    h.assigned('T-4', '2024-04-04T08:05:00Z', 'agent-9');
    return h.events;
  }

  it('builds identity, profile, contact points and consents', () => {
    const doc = project(adasHistory());
    expect(doc.id).toBe(C);
    expect(doc.customerId).toBe(C);
    expect(doc.externalId).toBe('shop-1001');
    expect(doc.displayName).toBe('Ada Lovelace');
    expect(doc.registeredAt).toBe('2024-01-05T09:00:00.000Z');
    expect(doc.profile).toEqual({
      firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+4930123456',
      birthDate: '1990-12-10', gender: 'female', country: 'DE', city: 'Berlin', language: 'de',
    });
    expect(doc.contactPoints).toEqual([{ kind: 'email', value: 'ada.work@example.org', label: 'work', addedAt: '2024-01-06T09:00:00.000Z' }]);
    expect(doc.consents).toEqual({
      marketing_email: { granted: true, at: '2024-01-06T10:00:00.000Z', via: 'web form' },
      marketing_sms: { granted: false, at: '2024-02-20T10:00:00.000Z', via: 'phone call' },
    });
  });

  it('computes purchase figures: gross, refunds, net, AOV, categories, channels', () => {
    const doc = project(adasHistory());
    expect(doc.purchases).toEqual({
      count: 3,
      lastCurrency: 'EUR',
      firstAt: '2024-02-01T12:00:00.000Z',
      lastAt: '2024-03-15T12:00:00.000Z',
      byCurrency: {
        EUR: {
          currency: 'EUR',
          exponent: 2,
          count: 3,
          totalMinor: 27989,
          refundedMinor: 500,
          netMinor: 27489,
          averageOrderValueMinor: 9330, // 27989 / 3 = 9329.67
          firstAt: '2024-02-01T12:00:00.000Z',
          lastAt: '2024-03-15T12:00:00.000Z',
          byCategory: {
            shoes: { count: 2, quantity: 2, totalMinor: 14989 },
            accessories: { count: 1, quantity: 2, totalMinor: 1000 },
            outerwear: { count: 1, quantity: 1, totalMinor: 12000 },
          },
          byChannel: { web: { count: 1, totalMinor: 6990 }, app: { count: 1, totalMinor: 12000 }, store: { count: 1, totalMinor: 8999 } },
        },
      },
    });
    expect(doc.refunds).toEqual({ count: 1, byCurrency: { EUR: { currency: 'EUR', exponent: 2, count: 1, totalMinor: 500 } } });
  });

  it('counts calls, emails (distinct opens and clicks), chats and notes', () => {
    const doc = project(adasHistory());
    expect(doc.calls).toEqual({ count: 2, inbound: 1, outbound: 1, totalDurationSeconds: 372, lastAt: '2024-02-12T08:00:00.000Z' });
    expect(doc.emails).toEqual({
      sent: 2, received: 1, opened: 2, clicked: 1, lastAt: '2024-02-16T08:00:00.000Z',
      openedMessageIds: ['m-1', 'm-2'], clickedMessageIds: ['m-1'],
    });
    expect(doc.chats).toEqual({ count: 1, lastAt: '2024-02-17T08:00:00.000Z' });
    expect(doc.notes).toEqual({ count: 1 });
  });

  it('computes ticket figures: open, resolved, SLA breaches, mean resolution minutes', () => {
    const { tickets } = project(adasHistory());
    expect(tickets).toMatchObject({
      total: 4,
      open: 1,
      resolved: 3,
      slaBreaches: 3,
      firstResponseBreaches: 2,
      resolutionBreaches: 1,
      resolutionMinutesTotal: 1020, // 360 + 600 + 60
      meanResolutionMinutes: 340,
    });
    expect(Object.keys(tickets.openTickets).sort()).toEqual(['T-2', 'T-3', 'T-4']);
    expect(tickets.openTickets['T-2']).toMatchObject({ status: 'resolved', firstResolvedAt: '2024-04-02T19:00:00.000Z', firstResponseAt: '2024-04-02T11:00:00.000Z' });
    expect(tickets.openTickets['T-4']).toEqual({
      ticketId: 'T-4',
      subject: 'Parcel missing',
      priority: 'normal',
      status: 'open',
      assigneeId: 'agent-9',
      openedAt: '2024-04-04T08:00:00.000Z',
      firstResponseAt: null,
      firstResponseDueAt: '2024-04-04T09:00:00.000Z',
      resolutionDueAt: '2024-04-04T16:00:00.000Z',
      firstResolvedAt: null,
    });
  });

  it('computes NPS and CSAT figures, the latest answer by business time', () => {
    const doc = project(adasHistory());
    expect(doc.nps).toEqual({
      count: 3, sum: 25, average: 8.33, last: 10, lastAt: '2024-04-05T12:00:00.000Z', lastClass: 'promoter',
      promoters: 2, passives: 0, detractors: 1,
    });
    expect(doc.csat).toEqual({ count: 3, sum: 12, average: 4, satisfied: 2, satisfiedShare: 0.6667, last: 4, lastAt: '2024-04-03T10:00:00.000Z' });
  });

  it('keeps the 20 latest interactions newest first, whatever the delivery order', () => {
    const events = adasHistory();
    const doc = project(events);
    // 36 interactions: 3 purchases, 1 refund, 2 calls, 8 email events, 1 chat, 1 note, 6 surveys, 14 ticket events.
    expect(doc.interactions).toBe(36);
    expect(doc.lastInteractionAt).toBe('2024-04-05T12:00:00.000Z');
    expect(doc.recentTimeline.map((entry) => entry.summary)).toEqual([
      'NPS 10 (promoter)',
      'Ticket assigned to agent-9',
      'Ticket opened: Parcel missing',
      'Ticket resolved: Refund issued',
      'CSAT 4/5',
      'Ticket resolved: Password reset',
      'Ticket opened: Cannot log in',
      'Ticket reopened: still broken',
      'CSAT 3/5',
      'Ticket resolved: Replacement sent',
      'Agent replied on ticket: Sorry for the wait',
      'Ticket closed',
      'Customer replied on ticket: Any news?',
      'Ticket opened: Broken zipper',
      'CSAT 5/5',
      'Ticket resolved: Exchanged',
      'Agent replied on ticket: On it',
      'Ticket opened: Wrong size',
      'NPS 6 (detractor)',
      'Purchase 1 item, 89.99 EUR',
    ]);
    const newest = events.find((event) => event.streamId === 'survey-s3');
    expect(doc.recentTimeline[0]).toEqual({
      eventId: newest?.eventId, type: 'SurveyAnswered', channel: 'survey', occurredAt: '2024-04-05T12:00:00.000Z', summary: 'NPS 10 (promoter)',
    });
  });

  it('bounds the recent timeline at 20 when 25 notes arrive out of business-time order', () => {
    const h = history();
    // Global order (positions) is the delivery order; business days are shuffled: evens, then odds backwards.
    const days = [...Array.from({ length: 25 }, (_, i) => i + 1).filter((day) => day % 2 === 0), 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1];
    for (const day of days) h.note(`n${day}`, `2024-06-${String(day).padStart(2, '0')}T08:00:00Z`);
    const doc = project(h.events);
    expect(doc.notes.count).toBe(25);
    expect(doc.interactions).toBe(25);
    expect(doc.recentTimeline.map((entry) => entry.summary)).toEqual(
      ['n25', 'n24', 'n23', 'n22', 'n21', 'n20', 'n19', 'n18', 'n17', 'n16', 'n15', 'n14', 'n13', 'n12', 'n11', 'n10', 'n9', 'n8', 'n7', 'n6'].map((id) => `Note: note ${id}`),
    );
  });

  it('counts distinct opens against the last 500 opened messages', () => {
    const h = history();
    for (let i = 1; i <= 501; i++) h.opened(`m${i}`, '2024-06-01T08:00:00Z');
    h.opened('m501', '2024-06-02T08:00:00Z'); // recent: a repeat
    h.opened('m1', '2024-06-02T09:00:00Z'); // forgotten (501 > 500 kept): counted again, the documented approximation
    const doc = project(h.events);
    expect(doc.emails.opened).toBe(502);
    expect(doc.emails.openedMessageIds).toHaveLength(500);
    expect(doc.emails.openedMessageIds[0]).toBe('m3');
    expect(doc.emails.openedMessageIds[499]).toBe('m1');
  });

  it('starts a skeleton for events seen before the registration, then fills it in', () => {
    const h = history();
    const note = h.note('n1', '2024-01-01T08:00:00Z');
    const skeleton = new ProjectionHarness([customer360Projection]).run([note]).get<Customer360Document>(CUSTOMER_360_COLLECTION, C);
    expect(skeleton).toMatchObject({ customerId: C, registeredAt: null, displayName: '', externalId: null, notes: { count: 1 }, lastPosition: note.position });

    h.registered('2024-01-02T08:00:00Z');
    const doc = project(h.events);
    expect(doc).toMatchObject({ registeredAt: '2024-01-02T08:00:00.000Z', displayName: 'Ada Lovelace', notes: { count: 1 }, interactions: 1 });
  });

  it('applies profile updates, including a name change, and keeps the currency of the latest purchase', () => {
    const h = history();
    h.registered('2024-01-01T08:00:00Z');
    h.other('customer-c-1', '2024-01-03T08:00:00Z', { type: 'CustomerProfileUpdated', data: { customerId: C, changes: { lastName: 'King', city: 'London' } } });
    h.purchase('o-2', '2024-02-01T08:00:00Z', 'web', 'GBP', [line('a', 'books', 1, 1000)]);
    // An older order from another stream arrives later: it must not become the "last" one.
    h.purchase('o-1', '2024-01-15T08:00:00Z', 'web', 'EUR', [line('b', 'books', 3, 1000)]);
    const doc = project(h.events);
    expect(doc.displayName).toBe('Ada King');
    expect(doc.profile).toMatchObject({ firstName: 'Ada', lastName: 'King', city: 'London', country: 'DE' });
    expect(doc.purchases).toMatchObject({ count: 2, lastCurrency: 'GBP', firstAt: '2024-01-15T08:00:00.000Z', lastAt: '2024-02-01T08:00:00.000Z' });
  });

  // Issue 11: purchases in EUR, GBP and USD were added into one total.
  it('never adds two currencies: every money figure is per currency', () => {
    const h = history();
    h.purchase('o-1', '2024-01-15T08:00:00Z', 'web', 'EUR', [line('b', 'books', 3, 1000)]);
    h.purchase('o-2', '2024-02-01T08:00:00Z', 'app', 'GBP', [line('a', 'books', 1, 1000)]);
    h.purchase('o-3', '2024-02-02T08:00:00Z', 'web', 'USD', [line('c', 'books', 2, 250)]);
    h.refund('o-3', '2024-02-03T08:00:00Z', 100, 'USD');
    const { purchases, refunds } = project(h.events);
    expect(Object.keys(purchases.byCurrency).sort()).toEqual(['EUR', 'GBP', 'USD']);
    expect(purchases.byCurrency['EUR']).toMatchObject({ count: 1, totalMinor: 3000, refundedMinor: 0, netMinor: 3000, averageOrderValueMinor: 3000, byCategory: { books: { count: 1, quantity: 3, totalMinor: 3000 } }, byChannel: { web: { count: 1, totalMinor: 3000 } } });
    expect(purchases.byCurrency['GBP']).toMatchObject({ count: 1, totalMinor: 1000, netMinor: 1000, byChannel: { app: { count: 1, totalMinor: 1000 } } });
    expect(purchases.byCurrency['USD']).toMatchObject({ count: 1, totalMinor: 500, refundedMinor: 100, netMinor: 400, byCategory: { books: { count: 1, quantity: 2, totalMinor: 500 } } });
    expect(refunds).toEqual({ count: 1, byCurrency: { USD: { currency: 'USD', exponent: 2, count: 1, totalMinor: 100 } } });
    expect(purchases.count).toBe(3);
  });

  it('records each currency with its ISO 4217 exponent (JPY 0, BHD 3)', () => {
    const h = history();
    h.purchase('o-1', '2024-01-15T08:00:00Z', 'web', 'JPY', [line('b', 'tea', 2, 1500)]);
    h.purchase('o-2', '2024-01-16T08:00:00Z', 'web', 'BHD', [line('a', 'tea', 1, 12345)]);
    const { purchases } = project(h.events);
    expect(purchases.byCurrency['JPY']).toMatchObject({ currency: 'JPY', exponent: 0, totalMinor: 3000 });
    expect(purchases.byCurrency['BHD']).toMatchObject({ currency: 'BHD', exponent: 3, totalMinor: 12345 });
  });

  // Events stored before codes were validated: `eur` is EUR, `XYZ` is no currency and stays apart.
  it('files a legacy lower-case code under its ISO code and keeps an unrecognised one apart, without failing', () => {
    const h = history();
    h.purchase('o-1', '2024-01-15T08:00:00Z', 'web', 'EUR', [line('a', 'books', 1, 1000)]);
    h.purchase('o-2', '2024-01-16T08:00:00Z', 'web', 'eur', [line('b', 'books', 1, 500)]);
    h.purchase('o-3', '2024-01-17T08:00:00Z', 'web', 'XYZ', [line('c', 'books', 1, 700)]);
    h.refund('o-2', '2024-01-18T08:00:00Z', 200, 'eur');
    h.refund('o-3', '2024-01-19T08:00:00Z', 50, 'XYZ');
    const doc = project(h.events);
    expect(Object.keys(doc.purchases.byCurrency).sort()).toEqual(['?XYZ', 'EUR']);
    expect(doc.purchases.byCurrency['EUR']).toMatchObject({ currency: 'EUR', exponent: 2, count: 2, totalMinor: 1500, refundedMinor: 200, netMinor: 1300 });
    expect(doc.purchases.byCurrency['?XYZ']).toMatchObject({ currency: 'XYZ', exponent: null, count: 1, totalMinor: 700, refundedMinor: 50, netMinor: 650 });
    expect(doc.refunds.byCurrency).toEqual({
      EUR: { currency: 'EUR', exponent: 2, count: 1, totalMinor: 200 },
      '?XYZ': { currency: 'XYZ', exponent: null, count: 1, totalMinor: 50 },
    });
    expect(doc.recentTimeline.map((entry) => entry.summary)).toContain('Purchase 1 item, 700 XYZ (minor units, unrecognised currency)');
    expect(doc.recentTimeline.map((entry) => entry.summary)).toContain('Purchase 1 item, 5.00 EUR');
  });

  it('judges a first response once: an agent reply after a reopen does not add a breach', () => {
    const h = history();
    const sla = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 480 };
    h.ticketOpened('T-9', '2024-05-01T08:00:00Z', 'Invoice wrong', sla);
    h.resolved('T-9', '2024-05-01T08:30:00Z', 'Corrected'); // no reply, but within the first-response target
    h.reopened('T-9', '2024-05-02T08:00:00Z', 'still wrong');
    h.replied('T-9', '2024-05-02T09:00:00Z', 'agent', 'Looking again');
    h.closed('T-9', '2024-05-02T10:00:00Z'); // closing an open ticket
    const { tickets } = project(h.events);
    expect(tickets).toMatchObject({ total: 1, open: 0, resolved: 1, slaBreaches: 0, meanResolutionMinutes: 30, openTickets: {} });
  });

  it('keys categories and tickets safely for MongoDB field paths, one key per value', () => {
    const h = history();
    h.purchase('o-1', '2024-01-01T08:00:00Z', 'web', 'EUR', [line('a', 'home.garden', 1, 100), line('b', '$pecial', 1, 200), line('c', 'home_garden', 1, 400), line('d', '50%', 1, 800)]);
    h.ticketOpened('T.1', '2024-01-01T08:00:00Z', 'Dots', { name: 's', firstResponseMinutes: 1, resolutionMinutes: 2 });
    const doc = project(h.events);
    expect(Object.entries(doc.purchases.byCurrency['EUR']?.byCategory ?? {}).map(([key, stats]) => [key, stats.totalMinor]).sort()).toEqual([
      ['%24pecial', 200], ['50%25', 800], ['home%2Egarden', 100], ['home_garden', 400],
    ]);
    expect(doc.tickets.openTickets[fieldKey('T.1')]?.ticketId).toBe('T.1');
    expect(Object.keys(doc.tickets.openTickets)).toEqual(['T%2E1']);
  });

  // Found from outside: tickets `o_d` and `o.d` shared one key, so the second opened took the first's
  // place and closing it removed both (the overdue one vanished from the 360 view).
  it('keeps tickets whose ids differ only by `.` and `_` apart', () => {
    const h = history();
    const sla = { name: 's', firstResponseMinutes: 60, resolutionMinutes: 480 };
    h.ticketOpened('o_d', '2024-01-01T08:00:00Z', 'Overdue one', sla);
    h.ticketOpened('o.d', '2024-01-01T09:00:00Z', 'Other', sla);
    expect(Object.values(project(h.events).tickets.openTickets).map((ticket) => ticket.ticketId).sort()).toEqual(['o.d', 'o_d']);
    h.closed('o.d', '2024-01-01T10:00:00Z');
    const { tickets } = project(h.events);
    expect(Object.values(tickets.openTickets).map((ticket) => ticket.ticketId)).toEqual(['o_d']);
    expect(tickets).toMatchObject({ total: 2, open: 1 });
  });

  it('finds an open ticket a build before one-to-one keys stored under its old key, and moves it to its own', () => {
    const h = history();
    const sla = { name: 's', firstResponseMinutes: 60, resolutionMinutes: 480 };
    h.ticketOpened('T.7', '2024-01-01T08:00:00Z', 'Old key', sla);
    const opened = project(h.events);
    // As the build before wrote it: `.` as `_`.
    const old = { ...opened, tickets: { ...opened.tickets, openTickets: { T_7: opened.tickets.openTickets[fieldKey('T.7')] } } } as Customer360Document;
    const harness = new ProjectionHarness([customer360Projection]).seed(CUSTOMER_360_COLLECTION, old);
    h.assigned('T.7', '2024-01-01T08:30:00Z', 'agent-2');
    harness.run(h.events.slice(-1));
    const assigned = harness.get<Customer360Document>(CUSTOMER_360_COLLECTION, C);
    expect(assigned?.tickets.openTickets).toEqual({ 'T%2E7': expect.objectContaining({ ticketId: 'T.7', assigneeId: 'agent-2' }) });
    h.closed('T.7', '2024-01-01T09:00:00Z');
    harness.run(h.events.slice(-1));
    expect(harness.get<Customer360Document>(CUSTOMER_360_COLLECTION, C)?.tickets).toMatchObject({ open: 0, openTickets: {} });
  });

  it('applies a redelivered event once', () => {
    const h = history();
    const purchase = h.purchase('o-1', '2024-01-01T08:00:00Z', 'web', 'EUR', [line('a', 'books', 1, 1500)]);
    const harness = new ProjectionHarness([customer360Projection]).run([purchase, purchase]);
    expect(harness.get<Customer360Document>(CUSTOMER_360_COLLECTION, C)?.purchases.count).toBe(1);
    expect(harness.skipped).toEqual([{ projection: 'customer-360', position: purchase.position }]);
  });

  it('is touched by every catalogue event of the customer and by nothing else', () => {
    const events = adasHistory();
    expect(events.every((event) => customer360Projection.touches(event)[0]?.id === C)).toBe(true);
    const loyalty = new RecordedEventFactory().record('loyalty-c-1', { type: 'PointsEarned', data: { customerId: C } }, { at: '2024-01-01T00:00:00Z' });
    expect(customer360Projection.touches(loyalty)).toEqual([]);
  });
});
