// Forgetting through every projection Chronicle runs, with the real codec and a real SQLite key
// store: events are sealed on the way in, the live projector reads them in clear until the key is
// destroyed, then CustomerForgotten scrubs; a rebuild reads the same log after the forget. The two
// must be the same documents, hold nothing of the forgotten customer's personal values, and keep
// the other customer and every figure as they were.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainEvent, NewEvent, RecordedEvent } from '@app/event-sourcing';
import { MasterKeyRing, SqliteKeyStore } from '@app/key-store';
import { personalDataCodec } from '@app/privacy';
import { ProjectionHarness, RecordedEventFactory } from '@app/customer-view/projections/testing';
import { CUSTOMER_360_COLLECTION, CUSTOMER_LOOKUP_COLLECTION, type Customer360Document } from '@app/customer-view';
import { chronicleProjections } from './read-models';
import { chroniclePersonalData, ERASURE_EVENT_TYPE } from './personal-data';
import { projectedCollections } from './cli/compare-read-models';

const SLA = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 1440 };

/** Every personal field of one customer filled with a marker naming customer and field. */
function historyOf(factory: RecordedEventFactory, customer: string, mark: (field: string) => string, phone: (n: number) => string, birthDate: string): RecordedEvent[] {
  const d = { customerId: customer };
  const events: [string, string, DomainEvent][] = [
    [`customer-${customer}`, '2026-01-01T10:00:00.000Z', {
      type: 'CustomerRegistered',
      data: { ...d, externalId: `ext-${customer}`, profile: {
        firstName: mark('first'), lastName: mark('last'), email: `${mark('email')}@example.com`, phone: phone(1),
        birthDate, gender: 'female', country: 'DE', city: mark('city'), language: 'de',
      } },
    }],
    [`customer-${customer}`, '2026-01-01T10:01:00.000Z', { type: 'CustomerProfileUpdated', data: { ...d, changes: { city: mark('city2'), phone: phone(2) } } }],
    [`customer-${customer}`, '2026-01-01T10:02:00.000Z', { type: 'ContactPointAdded', data: { ...d, kind: 'email', value: `${mark('email2')}@example.com`, label: mark('label') } }],
    [`customer-${customer}`, '2026-01-01T10:03:00.000Z', { type: 'ContactPointAdded', data: { ...d, kind: 'address', value: mark('street') } }],
    [`customer-${customer}`, '2026-01-01T10:04:00.000Z', { type: 'ConsentGiven', data: { ...d, purpose: 'profiling', via: 'web' } }],
    [`customer-${customer}`, '2026-01-01T10:04:30.000Z', { type: 'ConsentGiven', data: { ...d, purpose: 'marketing_email', via: 'web' } }],
    [`call-${customer}`, '2026-01-02T10:00:00.000Z', { type: 'CallLogged', data: { ...d, callId: customer, direction: 'inbound', durationSeconds: 60, connection: 'answered', resolution: 'resolved', summary: mark('call') } }],
    [`email-${customer}`, '2026-01-02T11:00:00.000Z', { type: 'EmailSent', data: { ...d, messageId: customer, subject: mark('subject') } }],
    [`email-${customer}`, '2026-01-02T11:05:00.000Z', { type: 'EmailClicked', data: { ...d, messageId: customer, url: `https://x.example/${mark('url')}` } }],
    [`chat-${customer}`, '2026-01-02T12:00:00.000Z', { type: 'ChatCompleted', data: { ...d, chatId: customer, channel: 'web', messageCount: 3, durationSeconds: 90, summary: mark('chat') } }],
    [`order-${customer}`, '2026-01-03T10:00:00.000Z', { type: 'PurchaseCompleted', data: { ...d, orderId: customer, channel: 'web', currency: 'EUR', totalMinor: 5000, lines: [{ sku: 'S', name: 'Scarf', category: 'acc', quantity: 2, unitPriceMinor: 2500 }] } }],
    [`order-${customer}`, '2026-01-03T11:00:00.000Z', { type: 'PurchaseRefunded', data: { ...d, orderId: customer, refundId: 'r1', amountMinor: 1000, currency: 'EUR', reason: mark('refund') } }],
    [`survey-${customer}`, '2026-01-03T12:00:00.000Z', { type: 'SurveyAnswered', data: { ...d, surveyId: customer, kind: 'nps', score: 9, comment: mark('comment') } }],
    [`note-${customer}`, '2026-01-03T13:00:00.000Z', { type: 'NoteAdded', data: { ...d, noteId: customer, text: mark('note'), authorId: 'agent-1' } }],
    [`ticket-${customer}`, '2026-01-04T10:00:00.000Z', { type: 'TicketOpened', data: { ...d, ticketId: customer, subject: mark('ticket'), channel: 'email', priority: 'high', sla: SLA } }],
    [`ticket-${customer}`, '2026-01-04T10:10:00.000Z', { type: 'TicketReplied', data: { ...d, ticketId: customer, author: 'agent', authorId: 'agent-1', body: mark('reply') } }],
    [`ticket-${customer}`, '2026-01-04T10:20:00.000Z', { type: 'TicketResolved', data: { ...d, ticketId: customer, resolution: mark('resolution') } }],
    [`ticket-${customer}`, '2026-01-04T10:30:00.000Z', { type: 'TicketReopened', data: { ...d, ticketId: customer, reason: mark('reopen') } }],
    [`loyalty-${customer}`, '2026-01-03T10:00:00.000Z', { type: 'PointsEarned', data: {
      ...d, orderId: customer, lotId: `order:${customer}`, points: 50, basis: { amountMinor: 5000, currency: 'EUR', categories: { acc: 5000 }, tier: 'bronze', tierMultiplier: 1 },
      earnedAt: '2026-01-03T10:00:00.000Z', expiresAt: '2028-01-03T10:00:00.000Z', settledDeficit: 0,
    } }],
    [`loyalty-${customer}`, '2026-01-05T10:00:00.000Z', { type: 'PointsRedeemed', data: {
      ...d, redemptionId: 'red-1', points: 10, reason: mark('redeem'), consumed: [{ lotId: `order:${customer}`, points: 10 }], redeemedAt: '2026-01-05T10:00:00.000Z',
    } }],
  ];
  return events.map(([stream, at, event]) => factory.record(stream, event, { at, customerId: customer }));
}

/** Where in a JSON value a string matching `pattern` occurs, as paths (`timeline[3].data.summary`). */
function pathsMatching(value: unknown, pattern: RegExp, at = ''): string[] {
  if (typeof value === 'string') return pattern.test(value) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => pathsMatching(item, pattern, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => [...(pattern.test(key) ? [`${at}.${key} (key)`] : []), ...pathsMatching(item, pattern, `${at}.${key}`)]);
  return [];
}

const asNew = (event: RecordedEvent): NewEvent => ({ eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata });

describe('Forgetting a customer across every read model', () => {
  let directory: string;
  let keys: SqliteKeyStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-forget-'));
    keys = new SqliteKeyStore(join(directory, 'keys.sqlite'), new MasterKeyRing([Buffer.alloc(32, 5)]));
  });

  afterEach(async () => {
    await keys.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('scrubs every personal value of the forgotten customer, keeps everything else, and equals a rebuild from the log', async () => {
    const codec = personalDataCodec(chroniclePersonalData, keys, { refreshesKey: (event) => event.type === ERASURE_EVENT_TYPE });
    const factory = new RecordedEventFactory(2);
    const mark = (customer: string) => (field: string) => `MARK${customer}${field}`;
    const history = [
      ...historyOf(factory, 'A', mark('A'), (n) => `+491555000010${n}`, '1931-02-03'),
      ...historyOf(factory, 'B', mark('B'), (n) => `+491555000020${n}`, '1932-03-04'),
    ];
    const forgotten = factory.record('customer-A', { type: ERASURE_EVENT_TYPE, data: { customerId: 'A', reason: 'GDPR art. 17', dataKeyId: null } }, { at: '2026-02-01T00:00:00.000Z' });
    // Facts without personal values are still recorded after a forget; they count in the figures.
    const after = factory.record('order-A2', { type: 'PurchaseCompleted', data: { customerId: 'A', orderId: 'A2', channel: 'app', currency: 'EUR', totalMinor: 700, lines: [{ sku: 'T', name: 'Tie', category: 'acc', quantity: 1, unitPriceMinor: 700 }] } }, { at: '2026-02-02T00:00:00.000Z' });

    // As stored: every personal value sealed, so no marker of anyone is in the log.
    const log = [...history, forgotten, after];
    const sealed = await codec.encode(log.map(asNew));
    const stored: RecordedEvent[] = log.map((event, i) => ({ ...event, data: sealed[i].data, metadata: sealed[i].metadata }));
    expect(pathsMatching(stored, /MARK/)).toEqual([]);
    expect(stored.filter((event) => event.metadata.dataKeyId !== undefined).length).toBeGreaterThanOrEqual(2 * 15);

    // Live: the projector read the history while the key existed, then the forget destroyed it.
    const live = new ProjectionHarness(chronicleProjections('EUR')).run(await codec.decode(stored.slice(0, history.length)));
    const before = live.get<Customer360Document>(CUSTOMER_360_COLLECTION, 'A') as Customer360Document;
    expect(JSON.stringify(before)).toContain('MARKAfirst');
    await keys.destroy('A', { reason: 'GDPR art. 17', requestedAt: '2026-02-01T00:00:00.000Z', context: {} }, '2026-02-01T00:00:00.000Z');
    live.run(await codec.decode(stored.slice(history.length)));
    // A rebuild reads the whole log after the forget.
    const rebuilt = new ProjectionHarness(chronicleProjections('EUR')).run(await codec.decode(stored));

    const everything = (harness: ProjectionHarness) => Object.fromEntries(projectedCollections().map((collection) => [collection, harness.all(collection)]));
    const liveDocs = JSON.stringify(everything(live));
    expect(pathsMatching(everything(live), /MARKA|491555000010|1931-02-03/)).toEqual([]);
    expect(liveDocs).toContain('+4915550000202');
    expect(liveDocs).toContain('1932-03-04');
    for (const field of ['first', 'last', 'email', 'city2', 'email2', 'label', 'call', 'subject', 'chat', 'refund', 'comment', 'note', 'ticket', 'reply', 'resolution', 'redeem']) {
      expect({ field, kept: liveDocs.includes(`MARKB${field}`) }).toEqual({ field, kept: true });
    }
    expect(everything(rebuilt)).toEqual(everything(live));

    // Nobody finds A by a personal field any more (B still is); A's figures stand and go on.
    expect(live.all(CUSTOMER_LOOKUP_COLLECTION).filter((doc) => doc['customerId'] === 'A')).toEqual([]);
    expect(live.all(CUSTOMER_LOOKUP_COLLECTION).filter((doc) => doc['customerId'] === 'B').length).toBeGreaterThan(3);
    const afterForget = live.get<Customer360Document>(CUSTOMER_360_COLLECTION, 'A') as Customer360Document;
    expect(afterForget.profile).toMatchObject({ firstName: '[forgotten]', lastName: '[forgotten]', email: '[forgotten]', phone: '[forgotten]', birthDate: '[forgotten]', city: '[forgotten]', country: 'DE', gender: 'female' });
    expect(afterForget.contactPoints).toEqual([]);
    expect(afterForget.forgottenAt).toBe('2026-02-01T00:00:00.000Z');
    expect(afterForget.purchases).toMatchObject({ count: 2, byCurrency: { EUR: { totalMinor: 5700, refundedMinor: 1000 } } });
    expect(afterForget.nps).toEqual(before.nps);
    expect(afterForget.calls).toEqual(before.calls);
    // Consents stay, but every one given is withdrawn as of the forget (profiling, as the analytics count it, and marketing).
    const withdrawn = { granted: false, at: '2026-02-01T00:00:00.000Z', via: 'forget' };
    expect(Object.keys(before.consents).length).toBeGreaterThan(1);
    expect(afterForget.consents).toEqual(Object.fromEntries(Object.entries(before.consents).map(([purpose, consent]) => [purpose, consent?.granted ? withdrawn : consent])));
    expect(Object.values(afterForget.consents).some((consent) => consent?.granted)).toBe(false);
    expect(live.get(CUSTOMER_360_COLLECTION, 'B')).toEqual(rebuilt.get(CUSTOMER_360_COLLECTION, 'B'));
  });
});
