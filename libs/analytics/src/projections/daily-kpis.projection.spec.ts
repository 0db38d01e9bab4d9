import { ProjectionHarness } from '@app/customer-view/projections/testing';
import { AnalyticsHistory, twoDaysOfShop } from '../testing/analytics-history';
import { DAILY_KPIS_COLLECTION, DAILY_MEASURE_FIELDS, dailyRowId, type DailyKpiDocument } from './daily-kpis.document';
import { dailyKpisProjection } from './daily-kpis.projection';

function rows(history: AnalyticsHistory): ProjectionHarness {
  return new ProjectionHarness([dailyKpisProjection]).run(history.events);
}

function row(harness: ProjectionHarness, id: string): DailyKpiDocument {
  const doc = harness.get<DailyKpiDocument>(DAILY_KPIS_COLLECTION, id);
  if (!doc) throw new Error(`no dailyKpis row ${id}`);
  return doc;
}

/** Sums a dotted measure path over rows, as the read store's aggregate does. */
function sum(docs: readonly DailyKpiDocument[], path: string): number {
  return docs.reduce((total, doc) => total + (path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], doc) as number), 0);
}

describe('daily KPI projection', () => {
  const harness = rows(twoDaysOfShop());
  const all = harness.all<DailyKpiDocument>(DAILY_KPIS_COLLECTION);
  const where = (day: string, channel: string) => all.filter((d) => d.day === day && d.channel === channel);

  it('writes one row per order, in the UTC day of its business time, with its channel and currency', () => {
    expect(row(harness, dailyRowId.order('o-2'))).toMatchObject({ rowKind: 'order', day: '2024-03-01', channel: 'app', currency: 'EUR', customerId: 'c-1', orders: 1, revenueMinor: 3000 });
    expect(row(harness, dailyRowId.order('o-4'))).toMatchObject({ day: '2024-03-01', channel: 'web', currency: 'USD', revenueMinor: 2000, interactions: 1 });
    // 1 March web: o-1 + o-3 in EUR, o-4 in USD; three purchases.
    const web = where('2024-03-01', 'web');
    expect(sum(web.filter((d) => d.currency === 'EUR'), 'revenueMinor')).toBe(12000);
    expect(sum(web.filter((d) => d.currency === 'EUR'), 'orders')).toBe(2);
    expect(sum(web, 'kinds.purchase')).toBe(3);
  });

  it('files a refund on its own day under the channel of its order', () => {
    expect(row(harness, dailyRowId.refund('o-1', 'r-1'))).toMatchObject({ rowKind: 'refund', day: '2024-03-02', channel: 'web', currency: 'EUR', refundsMinor: 1000, orders: 0, revenueMinor: 0, interactions: 0 });
  });

  it('writes one row per call, email and survey with its instant, and NPS/CSAT bands', () => {
    expect(row(harness, dailyRowId.activity('call-k-1'))).toMatchObject({ day: '2024-03-01', at: '2024-03-01T08:00:00.000Z', channel: 'call', interactions: 1, kinds: { call: 1 } });
    expect(sum(where('2024-03-01', 'call'), 'kinds.call')).toBe(2);
    expect(row(harness, dailyRowId.activity('email-m-1'))).toMatchObject({ interactions: 1, kinds: { email: 1 } });
    const surveys = where('2024-03-02', 'survey');
    expect(sum(surveys, 'interactions')).toBe(4);
    expect([sum(surveys, 'nps.count'), sum(surveys, 'nps.promoters'), sum(surveys, 'nps.passives'), sum(surveys, 'nps.detractors')]).toEqual([2, 1, 0, 1]);
    expect([sum(surveys, 'csat.count'), sum(surveys, 'csat.satisfied')]).toEqual([2, 1]);
  });

  it('counts a ticket opened on its day and its outcome on its first resolution day, under the ticket channel', () => {
    expect(row(harness, dailyRowId.ticketOpened('T-2'))).toMatchObject({ day: '2024-03-01', channel: 'chat', tickets: { opened: 1 }, kinds: { ticket: 1 } });
    expect(row(harness, dailyRowId.ticketResolved('T-1')).tickets).toEqual({
      opened: 0, resolved: 1, closedUnresolved: 0, firstResponses: 1, firstResponseMinutes: 30, firstResponseBreaches: 0,
      resolutionMinutes: 120, resolutionBreaches: 0, firstContactResolutions: 1,
    });
    expect(row(harness, dailyRowId.ticketResolved('T-2'))).toMatchObject({
      day: '2024-03-02', channel: 'chat',
      tickets: { resolved: 1, firstResponses: 1, firstResponseMinutes: 90, firstResponseBreaches: 1, resolutionMinutes: 1440, resolutionBreaches: 1, firstContactResolutions: 0 },
    });
  });

  it('takes the first-contact resolution back on a reopen (remembering when) and never counts a second resolution', () => {
    expect(row(harness, dailyRowId.ticketResolved('T-3'))).toMatchObject({ at: '2024-03-02T10:00:00.000Z', reopenedAt: '2024-03-02T11:00:00.000Z', firstContactBeforeReopen: 1 });
    expect(row(harness, dailyRowId.ticketResolved('T-1'))).toMatchObject({ reopenedAt: null, firstContactBeforeReopen: 1 });
    expect(row(harness, dailyRowId.ticketResolved('T-3')).tickets).toEqual({
      opened: 0, resolved: 1, closedUnresolved: 0, firstResponses: 0, firstResponseMinutes: 0, firstResponseBreaches: 1,
      resolutionMinutes: 120, resolutionBreaches: 0, firstContactResolutions: 0,
    });
    expect(sum(all, 'tickets.resolved')).toBe(3);
    expect(sum(all, 'tickets.opened')).toBe(3);
  });

  it('gives every row every measure, so sums over any rows are defined', () => {
    for (const doc of all) {
      for (const field of DAILY_MEASURE_FIELDS) expect(typeof field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], doc)).toBe('number');
    }
  });

  it('ignores a redelivered event (same position) and is unchanged by a replay of the history', () => {
    const history = twoDaysOfShop();
    const twice = new ProjectionHarness([dailyKpisProjection]).run(history.events).run(history.events);
    expect(twice.all(DAILY_KPIS_COLLECTION)).toEqual(all);
    expect(twice.skipped.length).toBeGreaterThan(0);
  });

  it('only ever writes rows touched by one customer, so partitioned delivery cannot lose counts', () => {
    for (const doc of all) {
      const writers = twoDaysOfShop().events.filter((e) => dailyKpisProjection.touches(e).some((ref) => ref.id === doc.id));
      expect(new Set(writers.map((e) => e.metadata.customerId))).toEqual(new Set([doc.customerId]));
    }
  });
});
