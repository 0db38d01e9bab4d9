// The query handlers on a real SqliteReadStore, fed by the projections, with a fixed clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { CqrsModule, QueryBus } from '@nestjs/cqrs';
import { DomainErrorCode, FixedClock } from '@app/event-sourcing';
import { READ_STORE, SqliteReadStore, type Projection } from '@app/read-store';
import { CHRONICLE_CONFIG, CLOCK, loadConfig } from '@app/platform';
import { ProjectionHarness } from '@app/customer-view/projections/testing';
import { AnalyticsHistory, twoDaysOfShop } from '../testing/analytics-history';
import { simulateCustomers } from '../testing/btyd-simulation';
import { analyseCustomer, populationMemberOf } from '../domain/customer-analysis';
import { buildPopulationSnapshot } from '../domain/population-snapshot';
import { CUSTOMER_ANALYTICS_COLLECTION, type CustomerAnalyticsDocument } from '../projections/customer-analytics.document';
import { analyticsProjections } from '../index';
import { ANALYTICS_CONFIG, loadAnalyticsConfig } from './analytics-config';
import {
  ExportCustomers, ExportCustomersHandler, FitAnalyticsModel, FitAnalyticsModelHandler, GetAnalyticsModel, GetAnalyticsModelHandler, GetCustomerAnalytics,
  GetCustomerAnalyticsHandler, GetKpis, GetKpisHandler, GetRfmDistribution, GetRfmDistributionHandler, GetServiceMetrics, GetServiceMetricsHandler,
  customerRecordOf, POPULATION_SNAPSHOTS, type CustomerExportFilter, type CustomerExportOptions,
} from './analytics.queries';
import { ANALYTICS_SNAPSHOTS_COLLECTION, PopulationSnapshots } from './population-snapshots';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** A SqliteReadStore holding what the projections make of the history, and a QueryBus over it. */
async function queriesOver(history: AnalyticsHistory, now: string, env: Record<string, string> = {}, extra: AnalyticsHistory[] = []) {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-analytics-'));
  directories.push(directory);
  const store = new SqliteReadStore(join(directory, 'reads.sqlite'));
  const projections: readonly Projection[] = analyticsProjections;
  await store.ensureCollections(projections.flatMap((p) => p.collections));
  const harness = new ProjectionHarness(projections).run(history.events);
  const collections = projections.flatMap((p) => p.collections.map((c) => c.name));
  const writeAll = () => store.applyBatch(collections.flatMap((collection) => harness.all(collection).map((doc) => ({ kind: 'upsert' as const, collection, doc }))));
  await writeAll();
  const config = loadConfig(env);
  const clock = new FixedClock(new Date(now));
  const module = await Test.createTestingModule({
    imports: [CqrsModule.forRoot()],
    providers: [
      GetKpisHandler, GetServiceMetricsHandler, GetRfmDistributionHandler, GetCustomerAnalyticsHandler, ExportCustomersHandler, GetAnalyticsModelHandler, FitAnalyticsModelHandler,
      { provide: READ_STORE, useValue: store },
      { provide: CHRONICLE_CONFIG, useValue: config },
      { provide: CLOCK, useValue: clock },
      { provide: ANALYTICS_CONFIG, useValue: loadAnalyticsConfig({ ANALYTICS_MARGIN: '0.3', ANALYTICS_DISCOUNT_RATE: '0.1', ANALYTICS_HORIZON_DAYS: '90' }) },
      { provide: POPULATION_SNAPSHOTS, useValue: new PopulationSnapshots(store, config.REPORTING_CURRENCY, clock) },
    ],
  }).compile();
  await module.init();
  /** Projects more history (an import arriving later) into the same store. */
  const append = async (more: AnalyticsHistory) => {
    harness.run(more.events);
    await writeAll();
  };
  for (const more of extra) await append(more);
  return { bus: module.get(QueryBus), store, append, close: async () => { await module.close(); await store.close(); } };
}

const zeroTickets = {
  opened: 0, resolved: 0, closedUnresolved: 0, firstResponses: 0, meanFirstResponseMinutes: null, firstResponseBreaches: 0, firstResponseBreachRate: null,
  meanResolutionMinutes: null, resolutionBreaches: 0, resolutionBreachRate: null, firstContactResolutions: 0, firstContactResolutionRate: null,
};
const kinds = (counts: Partial<Record<'purchase' | 'call' | 'email' | 'chat' | 'survey' | 'note' | 'ticket', number>>) => ({
  purchase: 0, call: 0, email: 0, chat: 0, survey: 0, note: 0, ticket: 0, ...counts,
});

describe('KPI and service queries (two days of a shop, figures in analytics-history.ts)', () => {
  let bus: QueryBus;
  let close: () => Promise<void>;
  beforeAll(async () => ({ bus, close } = await queriesOver(twoDaysOfShop(), '2024-03-10T00:00:00Z')));
  afterAll(() => close());

  it('reports revenue per currency, orders, AOV and interactions per day and channel', async () => {
    const report = await bus.execute(new GetKpis('2024-03-01', '2024-03-02', ['day', 'channel']));
    expect(report.groups.map((g) => `${g.day} ${g.channel}`)).toEqual([
      '2024-03-01 app', '2024-03-01 call', '2024-03-01 chat', '2024-03-01 email', '2024-03-01 web',
      '2024-03-02 chat', '2024-03-02 email', '2024-03-02 survey', '2024-03-02 web',
    ]);
    const group = (day: string, channel: string) => report.groups.find((g) => g.day === day && g.channel === channel);
    expect(group('2024-03-01', 'web')).toEqual({
      day: '2024-03-01', channel: 'web', orders: 3, interactions: 3, interactionsByKind: kinds({ purchase: 3 }),
      revenue: [
        { currency: 'EUR', exponent: 2, orders: 2, revenueMinor: 12000, refundsMinor: 0, netMinor: 12000, averageOrderValueMinor: 6000 },
        { currency: 'USD', exponent: 2, orders: 1, revenueMinor: 2000, refundsMinor: 0, netMinor: 2000, averageOrderValueMinor: 2000 },
      ],
    });
    expect(group('2024-03-01', 'email')).toMatchObject({ orders: 0, revenue: [], interactions: 2, interactionsByKind: kinds({ email: 1, ticket: 1 }) });
    expect(group('2024-03-02', 'web')?.revenue).toEqual([{ currency: 'EUR', exponent: 2, orders: 0, revenueMinor: 0, refundsMinor: 1000, netMinor: -1000, averageOrderValueMinor: null }]);
    // EUR: o-1, o-2, o-3 = 150.00 gross, 10.00 refunded; USD: o-4. Interactions: 4 purchases, 2 calls,
    // 1 email, 4 surveys, 3 tickets = 14.
    expect(report.totals).toEqual({
      orders: 4, interactions: 14, interactionsByKind: kinds({ purchase: 4, call: 2, email: 1, survey: 4, ticket: 3 }),
      revenue: [
        { currency: 'EUR', exponent: 2, orders: 3, revenueMinor: 15000, refundsMinor: 1000, netMinor: 14000, averageOrderValueMinor: 5000 },
        { currency: 'USD', exponent: 2, orders: 1, revenueMinor: 2000, refundsMinor: 0, netMinor: 2000, averageOrderValueMinor: 2000 },
      ],
    });
    expect(report.consistent).toBe(true);
  });

  it('groups by day alone and keeps to the range', async () => {
    const report = await bus.execute(new GetKpis('2024-03-02', '2024-03-02', ['day']));
    expect(report.groups).toHaveLength(1);
    expect(report.groups[0]).toMatchObject({ day: '2024-03-02', orders: 0, interactions: 5, interactionsByKind: kinds({ survey: 4, ticket: 1 }) });
    const empty = await bus.execute(new GetKpis('2024-04-01', '2024-04-30', ['channel']));
    expect(empty.groups).toEqual([]);
    expect(empty.totals).toMatchObject({ orders: 0, interactions: 0, revenue: [] });
  });

  it('reports NPS, CSAT, SLA breaches, mean times and first-contact resolution per channel', async () => {
    const report = await bus.execute(new GetServiceMetrics('2024-03-01', '2024-03-02', ['channel']));
    expect(report.groups).toEqual([
      {
        channel: 'chat',
        nps: { answers: 0, promoters: 0, passives: 0, detractors: 0, score: null },
        csat: { answers: 0, satisfied: 0, score: null },
        tickets: {
          opened: 1, resolved: 1, closedUnresolved: 0, firstResponses: 1, meanFirstResponseMinutes: 90, firstResponseBreaches: 1, firstResponseBreachRate: 100,
          meanResolutionMinutes: 1440, resolutionBreaches: 1, resolutionBreachRate: 100, firstContactResolutions: 0, firstContactResolutionRate: 0,
        },
      },
      {
        channel: 'email',
        nps: { answers: 0, promoters: 0, passives: 0, detractors: 0, score: null },
        csat: { answers: 0, satisfied: 0, score: null },
        tickets: {
          opened: 2, resolved: 2, closedUnresolved: 0, firstResponses: 1, meanFirstResponseMinutes: 30, firstResponseBreaches: 1, firstResponseBreachRate: 50,
          meanResolutionMinutes: 120, resolutionBreaches: 0, resolutionBreachRate: 0, firstContactResolutions: 1, firstContactResolutionRate: 50,
        },
      },
      {
        channel: 'survey',
        nps: { answers: 2, promoters: 1, passives: 0, detractors: 1, score: 0 },
        csat: { answers: 2, satisfied: 1, score: 50 },
        tickets: zeroTickets,
      },
    ]);
    // (30 + 90) / 2 = 60 min to first response; (120 + 1440 + 120) / 3 = 560 min to resolve.
    expect(report.totals.tickets).toEqual({
      opened: 3, resolved: 3, closedUnresolved: 0, firstResponses: 2, meanFirstResponseMinutes: 60, firstResponseBreaches: 2, firstResponseBreachRate: 66.7,
      meanResolutionMinutes: 560, resolutionBreaches: 1, resolutionBreachRate: 33.3, firstContactResolutions: 1, firstContactResolutionRate: 33.3,
    });
  });

  it('counts ticket outcomes on the first-resolution day', async () => {
    const report = await bus.execute(new GetServiceMetrics('2024-03-01', '2024-03-02', ['day']));
    expect(report.groups.map((g) => [g.day, g.tickets.opened, g.tickets.resolved, g.tickets.firstContactResolutions])).toEqual([
      ['2024-03-01', 2, 1, 1],
      ['2024-03-02', 1, 2, 0],
    ]);
  });
});

/**
 * Five buyers and one customer who never bought, seen on 1 July 2024 (RFM by hand in
 * ../domain/rfm.spec.ts). Too few buyers to fit a model (20 are needed): no P(alive), CLV or churn.
 *   c-a  1 day, 3 orders, 300.00 → 545      c-b  10 days, 1 order, 50.00 → 412
 *   c-c  30 days, 2 orders, 200.00 → 334    c-d  100 days, 5 orders, 12.00 − 2.00 refunded → 251
 *   c-e  200 days, 1 order, 50.00 → 112     c-f  no order: no RFM
 * All six gave their profiling consent. c-g bought the most but never said yes to profiling, and
 * c-h withdrew it: neither is scored nor counted in the population (RFM cut points, model fits).
 */
function sixCustomers(): AnalyticsHistory {
  const h = new AnalyticsHistory()
    .registered('c-a', '2023-01-01T00:00:00Z', { firstName: 'Ada', lastName: 'Lovelace, "Countess"', email: 'ada@example.com', country: 'GB' })
    .registered('c-b', '2023-01-01T00:00:00Z', { country: 'DE' })
    .registered('c-c', '2023-01-01T00:00:00Z', { country: 'de' })
    .registered('c-d', '2023-01-01T00:00:00Z', { country: 'FR' })
    .registered('c-e', '2023-01-01T00:00:00Z', { country: 'FR' })
    .registered('c-f', '2023-01-01T00:00:00Z', { country: 'DE' })
    .registered('c-g', '2023-01-01T00:00:00Z', { country: 'DE' })
    .registered('c-h', '2023-01-01T00:00:00Z', { country: 'DE' });
  for (const id of ['c-a', 'c-b', 'c-c', 'c-d', 'c-e', 'c-f', 'c-h']) h.consent(id, '2023-01-01T00:00:00Z', 'profiling', true);
  h.consent('c-g', '2023-01-01T00:00:00Z', 'marketing_email', true).consent('c-h', '2024-01-01T00:00:00Z', 'profiling', false);
  h.purchase('c-g', 'g1', '2024-06-30T00:00:00Z', 900000).purchase('c-h', 'h1', '2024-06-30T00:00:00Z', 800000);
  h.purchase('c-a', 'a1', '2024-05-01T00:00:00Z', 10000).purchase('c-a', 'a2', '2024-06-01T00:00:00Z', 10000).purchase('c-a', 'a3', '2024-06-30T00:00:00Z', 10000);
  h.purchase('c-b', 'b1', '2024-06-21T00:00:00Z', 5000).survey('c-b', 'sb', '2024-06-22T00:00:00Z', 'nps', 8);
  h.purchase('c-c', 'c1', '2024-05-01T00:00:00Z', 10000).purchase('c-c', 'c2', '2024-06-01T00:00:00Z', 10000);
  h.purchase('c-d', 'd1', '2024-01-01T00:00:00Z', 200).purchase('c-d', 'd2', '2024-01-11T00:00:00Z', 200).purchase('c-d', 'd3', '2024-01-21T00:00:00Z', 200)
    .purchase('c-d', 'd4', '2024-02-21T00:00:00Z', 200).purchase('c-d', 'd5', '2024-03-23T00:00:00Z', 400).refund('c-d', 'd5', 'rd', '2024-03-25T00:00:00Z', 200)
    .ticketOpened('c-d', 'TD', '2024-06-01T00:00:00Z', 'phone').survey('c-d', 'sd', '2024-06-02T00:00:00Z', 'nps', 3);
  h.purchase('c-e', 'e1', '2023-12-14T00:00:00Z', 5000).survey('c-e', 'se', '2024-01-02T00:00:00Z', 'nps', 10);
  return h;
}

const HEADER = 'customerId,name,email,country,orders,netRevenueMinorEUR,R,F,M,pAlive,expectedPurchases,expectedAverageOrderValueMinorEUR,clvMinorEUR,churnRisk,otherCurrenciesNetMinor';

async function csvText(bus: QueryBus, filter: CustomerExportFilter = {}, options: CustomerExportOptions = {}): Promise<string[]> {
  const { lines } = await bus.execute(new ExportCustomers(filter, options));
  let text = '';
  for await (const line of lines) text += line;
  return text.split('\r\n').slice(0, -1);
}

describe('RFM and the CSV export (six customers on 1 July 2024)', () => {
  let bus: QueryBus;
  let close: () => Promise<void>;
  beforeAll(async () => ({ bus, close } = await queriesOver(sixCustomers(), '2024-07-01T00:00:00Z')));
  afterAll(() => close());

  it('distributes the buyers over RFM scores, from the snapshot of now', async () => {
    expect(await bus.execute(new GetRfmDistribution())).toEqual({
      population: 5,
      byScore: { '112': 1, '251': 1, '334': 1, '412': 1, '545': 1 },
      recency: { '1': 1, '2': 1, '3': 1, '4': 1, '5': 1 },
      frequency: { '1': 2, '2': 0, '3': 1, '4': 1, '5': 1 },
      monetary: { '1': 1, '2': 2, '3': 0, '4': 1, '5': 1 },
      asOf: '2024-07-01T00:00:00.000Z',
      computedAt: '2024-07-01T00:00:00.000Z',
      consistent: true,
    });
  });

  it('analyses one customer: money, classic RFM against the population; no model figures without a fitted model', async () => {
    const { view } = await bus.execute(new GetCustomerAnalytics('c-d'));
    expect(view).toMatchObject({
      customerId: 'c-d', country: 'FR', orders: 5, currency: 'EUR', exponent: 2, currencyOrders: 5, grossMinor: 1200, refundedMinor: 200, netRevenueMinor: 1000, otherCurrencies: [], openTickets: 1, npsLast: 3,
      rfm: { recencyDays: 100, frequency: 5, monetaryMinor: 1000, r: 2, f: 5, m: 1, score: '251', population: 5 },
      model: null, clv: null, churnRisk: null,
      asOf: '2024-07-01T00:00:00.000Z',
      population: { asOf: '2024-07-01T00:00:00.000Z', buyers: 5 },
    });
    const model = await bus.execute(new GetAnalyticsModel());
    expect(model.snapshot).toMatchObject({ buyers: 5, bgNbd: null, gammaGamma: null });
    expect(model.snapshot.notes).toEqual([
      'BG/NBD not fitted: 5 customers with an order, at least 20 needed',
      'Gamma-Gamma not fitted: 3 customers with repeat spend in EUR, at least 20 needed',
    ]);
    const never = (await bus.execute(new GetCustomerAnalytics('c-f'))).view;
    expect(never).toMatchObject({ orders: 0, rfm: null, model: null, clv: null, churnRisk: null, profilingConsent: true });
    // Without the profiling consent: the figures from events, no scores.
    expect((await bus.execute(new GetCustomerAnalytics('c-g'))).view).toMatchObject({ orders: 1, netRevenueMinor: 900000, profilingConsent: null, rfm: null, model: null, clv: null, churnRisk: null });
    expect((await bus.execute(new GetCustomerAnalytics('c-h'))).view).toMatchObject({ orders: 1, profilingConsent: false, rfm: null, model: null, clv: null, churnRisk: null });
    await expect(bus.execute(new GetCustomerAnalytics('c-unknown'))).rejects.toMatchObject({ code: DomainErrorCode.NotFound, field: 'customerId' });
  });

  it('answers as of an earlier date from what had happened by then, and refuses a date in the future', async () => {
    // On 1 March 2024 c-d had 4 orders (d5 came on 23 March), 9 days after the last; four buyers then (c-d, c-e, and none of c-a..c-c).
    const { view } = await bus.execute(new GetCustomerAnalytics('c-d', { asOf: '2024-03-01T00:00:00Z' }));
    expect(view).toMatchObject({ orders: 4, netRevenueMinor: 800, openTickets: 0, npsLast: null, rfm: { recencyDays: 9, frequency: 4, population: 2 }, asOf: '2024-03-01T00:00:00.000Z' });
    expect(await bus.execute(new GetRfmDistribution(undefined, '2024-03-01T00:00:00Z'))).toMatchObject({ population: 2, asOf: '2024-03-01T00:00:00.000Z' });
    await expect(bus.execute(new GetCustomerAnalytics('c-d', { asOf: '2024-07-02T00:00:00Z' }))).rejects.toMatchObject({
      status: 400, problems: [{ field: 'asOf', message: 'asOf must not lie in the future (now is 2024-07-01T00:00:00.000Z)' }],
    });
  });

  it('exports every registered customer with a header naming the unit of each money column; a cell is empty only where the figure does not exist', async () => {
    expect(await csvText(bus)).toEqual([
      HEADER,
      'c-a,"Ada Lovelace, ""Countess""",ada@example.com,GB,3,30000,5,4,5,,,,,,',
      'c-b,First c-b,,DE,1,5000,4,1,2,,,,,,',
      'c-c,First c-c,,DE,2,20000,3,3,4,,,,,,',
      'c-d,First c-d,,FR,5,1000,2,5,1,,,,,,',
      'c-e,First c-e,,FR,1,5000,1,1,2,,,,,,',
      'c-f,First c-f,,DE,0,0,,,,,,,,,',
      // No consent to profiling: the figures from events, no scores.
      'c-g,First c-g,,DE,1,900000,,,,,,,,,',
      'c-h,First c-h,,DE,1,800000,,,,,,,,,',
    ]);
    // Issue 12: the columns an analyst asks for, in their order; money columns name their unit.
    expect(await csvText(bus, { country: 'FR' }, { columns: ['customerId', 'clvMinor', 'recencyDays', 'frequency', 'repeatPurchaseDays', 'modelRecencyDays', 'ageDays', 'meanRepeatSpendMinor', 'lastPurchaseAt'] })).toEqual([
      'customerId,clvMinorEUR,recencyDays,frequency,repeatPurchaseDays,modelRecencyDays,ageDays,meanRepeatSpendMinorEUR,lastPurchaseAt',
      // Purchase days 1 Jan, 11 Jan, 21 Jan, 21 Feb, 23 Mar: 4 repeat days, 82 days first → last, T 182;
      // repeat spend 2.00 + 2.00 + 2.00 + (4.00 − 2.00 refunded) over 4 days.
      'c-d,,100,5,4,82,182,200,2024-03-23T00:00:00.000Z',
      'c-e,,200,1,0,0,200,,2023-12-14T00:00:00.000Z',
    ]);
  });

  it('filters by RFM score range, recency and country, as of a date too', async () => {
    const ids = async (filter: CustomerExportFilter, options: CustomerExportOptions = {}) => (await csvText(bus, filter, options)).slice(1).map((line) => line.split(',')[0]);
    expect(await ids({ rMin: 4 })).toEqual(['c-a', 'c-b']);
    // F ≥ 3: c-a (4), c-c (3), c-d (5); M ≤ 4 drops c-a (5).
    expect(await ids({ fMin: 3, mMax: 4 })).toEqual(['c-c', 'c-d']);
    expect(await ids({ country: 'de' })).toEqual(['c-b', 'c-c', 'c-f', 'c-g', 'c-h']);
    expect(await ids({ minRecencyDays: 30, maxRecencyDays: 100 })).toEqual(['c-c', 'c-d']);
    // Without a model nobody has a churn risk.
    expect(await ids({ minChurnRisk: 1 })).toEqual([]);
    expect(await ids({ fMin: 1 }, { asOf: '2024-03-01T00:00:00Z' })).toEqual(['c-d', 'c-e']);
  });
});

/**
 * Issue 11: one customer buying in EUR, USD, JPY and (in events stored before validation) `eur` and
 * `XYZ`; another only in EUR. Seen on 1 July 2024.
 *   c-m  EUR 100.00 + 10.00 (`eur`) = 11000; USD 500.00 − 100.00 = 40000; JPY 1500; XYZ 700 (unrecognised)
 *   c-n  EUR 50.00
 */
function customersInSeveralCurrencies(): AnalyticsHistory {
  return new AnalyticsHistory()
    .registered('c-m', '2023-01-01T00:00:00Z', { country: 'DE' })
    .registered('c-n', '2023-01-01T00:00:00Z', { country: 'DE' })
    .purchase('c-m', 'm1', '2024-06-01T00:00:00Z', 10000, 'web', 'EUR')
    .purchase('c-m', 'm2', '2024-06-02T00:00:00Z', 50000, 'web', 'USD')
    .refund('c-m', 'm2', 'rm', '2024-06-03T00:00:00Z', 10000, 'USD')
    .purchase('c-m', 'm3', '2024-06-04T00:00:00Z', 1500, 'app', 'JPY')
    .purchase('c-m', 'm4', '2024-06-05T00:00:00Z', 1000, 'web', 'eur')
    .purchase('c-m', 'm5', '2024-06-06T00:00:00Z', 700, 'web', 'XYZ')
    .purchase('c-n', 'n1', '2024-06-01T00:00:00Z', 5000, 'web', 'EUR')
    // Scores are profiling: both agreed to it (issue 10), so RFM and CLV are computed.
    .consent('c-m', '2023-01-01T00:00:00Z', 'profiling', true)
    .consent('c-n', '2023-01-01T00:00:00Z', 'profiling', true);
}

describe('money in several currencies (issue 11): one reporting currency, the others apart', () => {
  it('reports in REPORTING_CURRENCY (EUR by default) and lists every other currency apart, unconverted', async () => {
    const { bus, close } = await queriesOver(customersInSeveralCurrencies(), '2024-07-01T00:00:00Z');
    try {
      const { view } = await bus.execute(new GetCustomerAnalytics('c-m'));
      expect(view).toMatchObject({
        orders: 5, currency: 'EUR', exponent: 2, currencyOrders: 2, grossMinor: 11000, refundedMinor: 0, netRevenueMinor: 11000,
        otherCurrencies: [
          { currency: 'JPY', exponent: 0, orders: 1, grossMinor: 1500, refundedMinor: 0, netMinor: 1500 },
          { currency: 'USD', exponent: 2, orders: 1, grossMinor: 50000, refundedMinor: 10000, netMinor: 40000 },
          { currency: 'XYZ', exponent: null, orders: 1, grossMinor: 700, refundedMinor: 0, netMinor: 700 },
        ],
        rfm: { frequency: 5, monetaryMinor: 11000 },
      });
      const lines = await csvText(bus);
      expect(lines[0]).toBe(HEADER);
      const row = lines.find((line) => line.startsWith('c-m,'))?.split(',');
      expect([row?.[4], row?.[5], row?.[14]]).toEqual(['5', '11000', 'JPY:1500 USD:40000 XYZ(unrecognised):700']);
      expect(lines.find((line) => line.startsWith('c-n,'))?.split(',').slice(4, 6)).toEqual(['1', '5000']);
    } finally {
      await close();
    }
  });

  it('reports in another reporting currency with its own exponent (JPY: 0 digits)', async () => {
    const { bus, close } = await queriesOver(customersInSeveralCurrencies(), '2024-07-01T00:00:00Z', { REPORTING_CURRENCY: 'JPY' });
    try {
      const { view } = await bus.execute(new GetCustomerAnalytics('c-m'));
      expect(view).toMatchObject({ currency: 'JPY', exponent: 0, currencyOrders: 1, netRevenueMinor: 1500, rfm: { monetaryMinor: 1500 } });
      expect(view.otherCurrencies.map((other: { currency: string; netMinor: number }) => `${other.currency} ${other.netMinor}`)).toEqual(['EUR 11000', 'USD 40000', 'XYZ 700']);
      // c-n bought only in EUR: a buyer (in the RFM population) with no JPY money.
      expect((await bus.execute(new GetCustomerAnalytics('c-n'))).view).toMatchObject({ currencyOrders: 0, netRevenueMinor: 0, rfm: { frequency: 1, monetaryMinor: 0, population: 2 } });
      expect((await csvText(bus))[0]).toBe(HEADER.replace(/EUR/g, 'JPY'));
    } finally {
      await close();
    }
  });

  it('lists a legacy unrecognised code apart in the KPIs, with no exponent', async () => {
    const { bus, close } = await queriesOver(customersInSeveralCurrencies(), '2024-07-01T00:00:00Z');
    try {
      const report = await bus.execute(new GetKpis('2024-06-01', '2024-06-30', ['day']));
      expect(report.totals.revenue).toEqual([
        { currency: 'EUR', exponent: 2, orders: 3, revenueMinor: 16000, refundsMinor: 0, netMinor: 16000, averageOrderValueMinor: 5333 },
        { currency: 'JPY', exponent: 0, orders: 1, revenueMinor: 1500, refundsMinor: 0, netMinor: 1500, averageOrderValueMinor: 1500 },
        { currency: 'USD', exponent: 2, orders: 1, revenueMinor: 50000, refundsMinor: 10000, netMinor: 40000, averageOrderValueMinor: 50000 },
        { currency: 'XYZ', exponent: null, orders: 1, revenueMinor: 700, refundsMinor: 0, netMinor: 700, averageOrderValueMinor: 700 },
      ]);
    } finally {
      await close();
    }
  });
});

/**
 * Buyers simulated from BG/NBD and Gamma-Gamma (seeded), registered and buying through events, seen
 * on `end`; with `profiling` they consented to profiling when they registered, else never asked.
 */
function simulatedShop(count: number, seed: number, end: string, prefix = 's', history = new AnalyticsHistory(), profiling = true): AnalyticsHistory {
  const endMs = Date.parse(end);
  simulateCustomers(count, { r: 0.5, alpha: 20, a: 0.8, b: 2.5 }, { p: 6, q: 4, v: 1500 }, { seed, minDays: 30, maxDays: 500 }).forEach((c, i) => {
    const id = `${prefix}-${String(i).padStart(3, '0')}`;
    const first = endMs - c.observedDays * 86_400_000;
    history.registered(id, new Date(first - 86_400_000).toISOString());
    if (profiling) history.consent(id, new Date(first - 86_400_000).toISOString(), 'profiling', true);
    [0, ...c.repeatDays].forEach((t, k) => history.purchase(id, `${id}-o${k}`, new Date(first + t * 86_400_000).toISOString(), Math.max(1, Math.round(c.values[k]))));
  });
  return history;
}

describe('the model: fitted on the population of an observation date, stored, served per customer (issue 12)', () => {
  const NOW = '2024-07-01T00:00:00Z';
  let bus: QueryBus;
  let store: SqliteReadStore;
  let append: (more: AnalyticsHistory) => Promise<void>;
  let close: () => Promise<void>;
  // 300 buyers who consented to profiling, 12 who were never asked.
  const shop = simulatedShop(12, 9, NOW, 'n', simulatedShop(300, 42, NOW), false);
  beforeAll(async () => ({ bus, store, append, close } = await queriesOver(shop, NOW)));
  afterAll(() => close());

  it('fits BG/NBD and Gamma-Gamma with diagnostics and stores the snapshot', async () => {
    const { snapshot } = await bus.execute(new GetAnalyticsModel());
    expect(snapshot).toMatchObject({ asOf: '2024-07-01T00:00:00.000Z', buyers: 300, currency: 'EUR', notes: [] });
    expect(snapshot.bgNbd?.diagnostics).toMatchObject({ converged: true, customers: 300, atBounds: [] });
    expect(snapshot.gammaGamma?.diagnostics.converged).toBe(true);
    expect(Object.keys(snapshot.bgNbd?.diagnostics.standardErrors ?? {})).toEqual(['r', 'alpha', 'a', 'b']);
    expect((await store.get(ANALYTICS_SNAPSHOTS_COLLECTION, 'current'))?.['snapshot']).toEqual(snapshot);
  });

  it('fits only over customers who consented to profiling, and scores nobody else', async () => {
    // buyers: 300 above, not 312. The same fit as over the 300 consenting buyers' histories alone.
    const { snapshot } = await bus.execute(new GetAnalyticsModel());
    // In the snapshot's own order (by customer id), so the sums are added in the same order.
    const consenting = (await store.find<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, {}, { sort: [{ field: 'customerId', direction: 'asc' }] }))
      .filter((doc) => doc.customerId.startsWith('s-'));
    const direct = buildPopulationSnapshot(
      consenting.flatMap((doc) => populationMemberOf(doc, new Date(NOW), 'EUR') ?? []),
      { asOf: new Date(NOW), computedAt: new Date(NOW), currency: 'EUR' },
    );
    expect(snapshot.bgNbd?.parameters).toEqual(direct.bgNbd?.parameters);
    expect(snapshot.gammaGamma?.parameters).toEqual(direct.gammaGamma?.parameters);
    const { view } = await bus.execute(new GetCustomerAnalytics('n-003'));
    expect(view).toMatchObject({ profilingConsent: null, rfm: null, model: null, clv: null, churnRisk: null });
    expect(view.orders).toBeGreaterThan(0);
    expect(view.modelInputs).not.toBeNull();
  });

  it('serves each customer the figures the library computes directly from the same history', async () => {
    const { snapshot } = await bus.execute(new GetAnalyticsModel());
    for (const id of ['s-000', 's-017', 's-123', 's-299']) {
      const { view } = await bus.execute(new GetCustomerAnalytics(id, { horizonDays: 30 }));
      const doc = await store.get<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, id);
      const direct = analyseCustomer(customerRecordOf(doc as CustomerAnalyticsDocument), snapshot, new Date(NOW), { margin: 0.3, discountRate: 0.1, horizonMonths: 12, horizonDays: 30 }, 'EUR');
      expect(view).toEqual(direct);
      expect(view.model?.expectedPurchases.horizonDays).toBe(30);
      expect(view.churnRisk?.score).toBe(Math.round(100 * (view.churnRisk?.probability ?? NaN)));
    }
  });

  it('keeps the snapshot of a past date, recomputing it when asked for a position it has not seen', async () => {
    const asOf = '2024-01-01T00:00:00Z';
    const first = await bus.execute(new GetAnalyticsModel(asOf));
    // History imported later, dated before the observation date: the stored snapshot does not see it...
    await append(simulatedShop(40, 7, asOf, 'late', shop));
    const again = await bus.execute(new GetAnalyticsModel(asOf));
    expect(again.snapshot).toEqual(first.snapshot);
    // ...until a request says it wants that position, or the analyst refits.
    const newest = Math.max(...(await store.find(CUSTOMER_ANALYTICS_COLLECTION, {})).map((doc) => doc.lastPosition));
    const fresh = await bus.execute(new GetAnalyticsModel(asOf, newest));
    expect(fresh.snapshot.buyers).toBe(first.snapshot.buyers + 40);
    expect(fresh.dataPosition).toBeGreaterThanOrEqual(newest);
    const refit = await bus.execute(new FitAnalyticsModel());
    expect(refit.snapshot.buyers).toBe(340);
  });

  it('exports the model figures as of a date, consistent with the per-customer answer', async () => {
    const asOf = '2024-06-01T00:00:00Z';
    const lines = await csvText(bus, {}, { asOf });
    const row = lines.find((line) => line.startsWith('s-017,'))?.split(',') ?? [];
    const { view } = await bus.execute(new GetCustomerAnalytics('s-017', { asOf }));
    expect(row.slice(9, 14)).toEqual([view.model?.pAlive, view.model?.expectedPurchases.value, view.model?.expectedAverageOrderValueMinor, view.clv?.valueMinor, view.churnRisk?.score].map((v) => (v === null || v === undefined ? '' : String(v))));
  });
});

describe('KPIs and service figures as of an instant', () => {
  let bus: QueryBus;
  let close: () => Promise<void>;
  beforeAll(async () => ({ bus, close } = await queriesOver(twoDaysOfShop(), '2024-03-10T00:00:00Z')));
  afterAll(() => close());

  it('counts only facts dated by then', async () => {
    // 1 March 12:30: o-1 (10:00) and o-3 (12:00) in EUR; o-4 (13:00 USD) and o-2 (23:30) later. Calls at 08:00, email 07:00, tickets T-1, T-2 opened.
    const report = await bus.execute(new GetKpis('2024-03-01', '2024-03-02', ['day'], undefined, '2024-03-01T12:30:00Z'));
    expect(report.asOf).toBe('2024-03-01T12:30:00.000Z');
    expect(report.totals).toMatchObject({
      orders: 2, revenue: [{ currency: 'EUR', orders: 2, revenueMinor: 12000 }], interactions: 6,
      interactionsByKind: { purchase: 2, call: 1, email: 1, survey: 0, ticket: 2 },
    });
  });

  it('counts a first-contact resolution reopened only after the observation date', async () => {
    // T-3 resolved at 10:00 on 2 March after no reply (first contact), reopened at 11:00.
    const before = await bus.execute(new GetServiceMetrics('2024-03-02', '2024-03-02', ['day'], undefined, '2024-03-02T10:30:00Z'));
    expect(before.totals.tickets).toMatchObject({ resolved: 2, firstContactResolutions: 1 });
    const after = await bus.execute(new GetServiceMetrics('2024-03-02', '2024-03-02', ['day'], undefined, '2024-03-02T11:30:00Z'));
    expect(after.totals.tickets).toMatchObject({ resolved: 2, firstContactResolutions: 0 });
  });
});
