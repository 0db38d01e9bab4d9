import { ProjectionHarness } from '@app/customer-view/projections/testing';
import { AnalyticsHistory } from '../testing/analytics-history';
import { CUSTOMER_ANALYTICS_COLLECTION, type CustomerAnalyticsDocument } from './customer-analytics.document';
import { customerAnalyticsProjection } from './customer-analytics.projection';

function project(history: AnalyticsHistory, customerId = 'c-1'): CustomerAnalyticsDocument {
  const doc = new ProjectionHarness([customerAnalyticsProjection]).run(history.events).get<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, customerId);
  if (!doc) throw new Error(`no customerAnalytics document for ${customerId}`);
  return doc;
}

describe('customer analytics projection', () => {
  it('keeps every order and refund with its business time, in business-time order whatever the delivery order', () => {
    const doc = project(
      new AnalyticsHistory()
        .registered('c-1', '2024-01-01T00:00:00Z', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', country: 'gb' })
        .purchase('c-1', 'o-2', '2024-03-01T00:00:00Z', 4000)
        .purchase('c-1', 'o-1', '2024-02-01T00:00:00Z', 6000)
        .refund('c-1', 'o-1', 'r-1', '2024-02-05T00:00:00Z', 1500)
        .refund('c-1', 'o-1', 'r-2', '2024-02-06T00:00:00Z', 500)
        .purchase('c-1', 'o-3', '2024-04-01T00:00:00Z', 2000),
    );
    expect(doc).toMatchObject({
      registered: true, registeredAt: '2024-01-01T00:00:00.000Z', name: 'Ada Lovelace', email: 'ada@example.com', country: 'GB',
      // 6000 + 4000 + 2000 = 12000 gross, 2000 refunded.
      orders: 3,
      money: { EUR: { currency: 'EUR', exponent: 2, orders: 3, grossMinor: 12000, refundedMinor: 2000, netMinor: 10000 } },
      firstPurchaseAt: '2024-02-01T00:00:00.000Z', lastPurchaseAt: '2024-04-01T00:00:00.000Z',
    });
    expect(doc.history.orders).toEqual([
      { orderId: 'o-1', at: '2024-02-01T00:00:00.000Z', currency: 'EUR', grossMinor: 6000 },
      { orderId: 'o-2', at: '2024-03-01T00:00:00.000Z', currency: 'EUR', grossMinor: 4000 },
      { orderId: 'o-3', at: '2024-04-01T00:00:00.000Z', currency: 'EUR', grossMinor: 2000 },
    ]);
    expect(doc.history.refunds).toEqual([
      { refundId: 'r-1', orderId: 'o-1', at: '2024-02-05T00:00:00.000Z', currency: 'EUR', amountMinor: 1500 },
      { refundId: 'r-2', orderId: 'o-1', at: '2024-02-06T00:00:00.000Z', currency: 'EUR', amountMinor: 500 },
    ]);
  });

  // Issue 11: EUR, USD and JPY purchases were added into one netMinor.
  it('keeps money per currency, legacy codes read through @app/money, and counts orders of every currency', () => {
    const doc = project(
      new AnalyticsHistory()
        .purchase('c-1', 'o-1', '2024-02-01T00:00:00Z', 6000, 'web', 'EUR')
        .purchase('c-1', 'o-2', '2024-02-02T00:00:00Z', 50000, 'web', 'USD')
        .refund('c-1', 'o-2', 'r-1', '2024-02-03T00:00:00Z', 10000, 'USD')
        .purchase('c-1', 'o-3', '2024-02-04T00:00:00Z', 1500, 'app', 'JPY')
        .purchase('c-1', 'o-4', '2024-02-05T00:00:00Z', 1000, 'web', 'eur')
        .purchase('c-1', 'o-5', '2024-02-06T00:00:00Z', 700, 'web', 'XYZ'),
    );
    expect(doc.orders).toBe(5);
    expect(doc.money).toEqual({
      EUR: { currency: 'EUR', exponent: 2, orders: 2, grossMinor: 7000, refundedMinor: 0, netMinor: 7000 },
      USD: { currency: 'USD', exponent: 2, orders: 1, grossMinor: 50000, refundedMinor: 10000, netMinor: 40000 },
      JPY: { currency: 'JPY', exponent: 0, orders: 1, grossMinor: 1500, refundedMinor: 0, netMinor: 1500 },
      '?XYZ': { currency: 'XYZ', exponent: null, orders: 1, grossMinor: 700, refundedMinor: 0, netMinor: 700 },
    });
    expect(doc.history.orders.map((o) => [o.orderId, o.currency, o.grossMinor])).toEqual([
      ['o-1', 'EUR', 6000], ['o-2', 'USD', 50000], ['o-3', 'JPY', 1500], ['o-4', 'EUR', 1000], ['o-5', '?XYZ', 700],
    ]);
  });

  // Issue 12: as-of figures need the whole history, not the latest 100 purchases.
  it('keeps every order, however many', () => {
    const history = new AnalyticsHistory();
    for (let i = 0; i < 250; i++) history.purchase('c-1', `o-${i}`, new Date(Date.UTC(2020, 0, 1 + i)).toISOString(), 100);
    const doc = project(history);
    expect(doc.orders).toBe(250);
    expect(doc.history.orders).toHaveLength(250);
    expect(doc.history.orders[0].orderId).toBe('o-0');
    expect(doc.money['EUR']?.netMinor).toBe(25_000);
  });

  // A forgotten customer who had given the profiling consent was still scored, ranked and fitted.
  it('withdraws the profiling consent when the customer is forgotten, for good, and keeps the figures', () => {
    const given = new AnalyticsHistory()
      .registered('c-1', '2024-01-01T00:00:00Z')
      .consent('c-1', '2024-01-02T00:00:00Z', 'profiling', true)
      .purchase('c-1', 'o-1', '2024-02-01T00:00:00Z', 6000);
    expect(project(given).profilingConsent).toBe(true);
    const forgotten = given.forgotten('c-1', '2024-03-01T00:00:00Z');
    expect(project(forgotten)).toMatchObject({ profilingConsent: false, forgotten: true, orders: 1, money: { EUR: { netMinor: 6000 } } });
    // A consent delivered after the forget (a replay of an older import) does not bring it back.
    expect(project(forgotten.consent('c-1', '2024-03-02T00:00:00Z', 'profiling', true)).profilingConsent).toBe(false);
  });

  it('keeps the latest NPS answer by business time and counts tickets open now', () => {
    const doc = project(
      new AnalyticsHistory()
        .survey('c-1', 's-2', '2024-03-01T00:00:00Z', 'nps', 4)
        .survey('c-1', 's-1', '2024-02-01T00:00:00Z', 'nps', 10)
        .survey('c-1', 's-3', '2024-04-01T00:00:00Z', 'csat', 5)
        .ticketOpened('c-1', 'T-1', '2024-03-01T00:00:00Z', 'email')
        .ticketOpened('c-1', 'T-2', '2024-03-02T00:00:00Z', 'chat')
        .ticketOpened('c-1', 'T-3', '2024-03-03T00:00:00Z', 'web')
        .resolved('c-1', 'T-1', '2024-03-04T00:00:00Z')
        .resolved('c-1', 'T-2', '2024-03-04T00:00:00Z')
        .reopened('c-1', 'T-2', '2024-03-05T00:00:00Z')
        .closed('c-1', 'T-1', '2024-03-06T00:00:00Z'),
    );
    expect(doc).toMatchObject({ npsLast: 4, npsLastAt: '2024-03-01T00:00:00.000Z', npsLastClass: 'detractor', openTickets: 2 });
    expect(doc.history.nps.map((a) => a.score)).toEqual([10, 4]);
    // Closed tickets stay in the history: as of an earlier date they were open.
    expect(doc.history.tickets).toEqual([
      { ticketId: 'T-1', changes: [{ at: '2024-03-01T00:00:00.000Z', status: 'open' }, { at: '2024-03-04T00:00:00.000Z', status: 'resolved' }, { at: '2024-03-06T00:00:00.000Z', status: 'closed' }] },
      { ticketId: 'T-2', changes: [{ at: '2024-03-02T00:00:00.000Z', status: 'open' }, { at: '2024-03-04T00:00:00.000Z', status: 'resolved' }, { at: '2024-03-05T00:00:00.000Z', status: 'open' }] },
      { ticketId: 'T-3', changes: [{ at: '2024-03-03T00:00:00.000Z', status: 'open' }] },
    ]);
    // Only other streams seen: a skeleton, not a registered customer.
    expect(doc.registered).toBe(false);
  });

  it('applies profile changes: null clears, absent keeps', () => {
    const doc = project(
      new AnalyticsHistory()
        .registered('c-1', '2024-01-01T00:00:00Z', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', country: 'GB' })
        .profileUpdated('c-1', '2024-01-02T00:00:00Z', { lastName: 'King', country: 'fr' })
        .profileUpdated('c-1', '2024-01-03T00:00:00Z', { email: null as unknown as string }),
    );
    expect(doc).toMatchObject({ firstName: 'Ada', lastName: 'King', name: 'Ada King', email: null, country: 'FR' });
  });

  it('does not load documents for events it ignores', () => {
    const history = new AnalyticsHistory().call('c-1', 'k-1', '2024-01-01T00:00:00Z').emailSent('c-1', 'm-1', '2024-01-01T00:00:00Z');
    expect(history.events.flatMap((e) => customerAnalyticsProjection.touches(e))).toEqual([]);
  });
});
