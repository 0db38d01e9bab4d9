// End to end for analysts on the embedded default: interactions in over HTTP, KPIs, service
// metrics, RFM, CLV, churn and the CSV export out, at a fixed "now". Needs AnalyticsModule in the
// query part and analyticsProjections in the projector (libs/composition).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '@app/event-sourcing';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { apiKeysSetting } from '../support/api-keys';

const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  support: 'test-support-key-0123456789',
  analyst: 'test-analyst-key-0123456789',
};

describe('Chronicle analytics end to end', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let support: ApiClient;
  let analyst: ApiClient;
  /** Global position of the last command, for read-your-writes. */
  let head = 0;

  const send = async (client: ApiClient, path: string, body: unknown) => {
    const response = await client.post(path, body);
    expect([200, 201]).toContain(response.status);
    head = Math.max(head, response.body.position as number);
    return response;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-analytics-e2e-'));
    chronicle = await startChronicle(
      {
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'warn',
        API_KEYS: apiKeysSetting(KEYS),
      },
      { clock: new FixedClock(new Date('2026-11-23T00:00:00Z')) },
    );
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
    analyst = new ApiClient(chronicle.url, KEYS.analyst);

    const line = (unitPriceMinor: number) => [{ sku: 'SKU', name: 'Item', category: 'misc', quantity: 1, unitPriceMinor }];
    // Registered before they consent (a customer's stream is chronological) and before they buy.
    await send(ingest, '/v1/customers', { customerId: 'c-1', profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', country: 'de' }, occurredAt: '2026-10-31T00:00:00Z' });
    await send(ingest, '/v1/customers', { customerId: 'c-2', profile: { firstName: 'Grace', lastName: 'Hopper', country: 'US' }, occurredAt: '2026-10-31T00:00:00Z' });
    // RFM, CLV and churn profile a customer: only with their profiling consent.
    for (const customerId of ['c-1', 'c-2']) await send(ingest, `/v1/customers/${customerId}/consents`, { purpose: 'profiling', granted: true, via: 'web-preferences' });
    // 20 Nov, web: 50.00 (c-1) + 90.00 (c-2); 21 Nov, app: 30.00 (c-1); 10.00 of c-1's web order refunded on 21 Nov.
    await send(ingest, '/v1/interactions/purchases', { customerId: 'c-1', orderId: 'o-1', channel: 'web', currency: 'EUR', lines: line(5000), occurredAt: '2026-11-20T10:00:00Z' });
    await send(ingest, '/v1/interactions/purchases', { customerId: 'c-2', orderId: 'o-3', channel: 'web', currency: 'EUR', lines: line(9000), occurredAt: '2026-11-20T12:00:00Z' });
    await send(ingest, '/v1/interactions/purchases', { customerId: 'c-1', orderId: 'o-2', channel: 'app', currency: 'EUR', lines: line(3000), occurredAt: '2026-11-21T10:00:00Z' });
    await send(support, '/v1/interactions/refunds', { customerId: 'c-1', orderId: 'o-1', refundId: 'r-1', amountMinor: 1000, currency: 'EUR', occurredAt: '2026-11-21T11:00:00Z' });
    await send(support, '/v1/interactions/calls', { customerId: 'c-1', callId: 'pbx-1', direction: 'inbound', durationSeconds: 120, outcome: 'resolved', occurredAt: '2026-11-20T09:00:00Z' });
    // NPS 9 and 5: one promoter, one detractor → 0.
    await send(ingest, '/v1/interactions/surveys', { customerId: 'c-1', surveyId: 's-1', kind: 'nps', score: 9, occurredAt: '2026-11-21T12:00:00Z' });
    await send(ingest, '/v1/interactions/surveys', { customerId: 'c-2', surveyId: 's-2', kind: 'nps', score: 5, occurredAt: '2026-11-21T12:00:00Z' });
    // High priority (2 h / 24 h): answered after 30 min, resolved after 120 min with one reply.
    await send(support, '/v1/tickets', { customerId: 'c-2', ticketId: 't-1', subject: 'Where is my parcel', channel: 'email', priority: 'high', occurredAt: '2026-11-20T11:00:00Z' });
    await send(support, '/v1/tickets/t-1/replies', { author: 'agent', authorId: 'agent-7', body: 'On its way', occurredAt: '2026-11-20T11:30:00Z' });
    await send(support, '/v1/tickets/t-1/resolve', { resolution: 'Delivered', occurredAt: '2026-11-20T13:00:00Z' });
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports revenue, orders, AOV and interactions per day and channel', async () => {
    const response = await analyst.get(`/v1/analytics/kpis?from=2026-11-20&to=2026-11-21&groupBy=day,channel&minPosition=${head}`);
    expect(response.status).toBe(200);
    expect(response.headers['x-chronicle-consistent']).toBe('true');
    const group = (day: string, channel: string) => response.body.groups.find((g: { day: string; channel: string }) => g.day === day && g.channel === channel);
    expect(group('2026-11-20', 'web')).toMatchObject({
      orders: 2, interactions: 2, revenue: [{ currency: 'EUR', exponent: 2, orders: 2, revenueMinor: 14000, refundsMinor: 0, netMinor: 14000, averageOrderValueMinor: 7000 }],
    });
    expect(group('2026-11-21', 'web').revenue).toEqual([{ currency: 'EUR', exponent: 2, orders: 0, revenueMinor: 0, refundsMinor: 1000, netMinor: -1000, averageOrderValueMinor: null }]);
    expect(group('2026-11-20', 'call')).toMatchObject({ interactions: 1, interactionsByKind: { call: 1 } });
    expect(response.body.totals).toMatchObject({ orders: 3, interactions: 7, revenue: [{ currency: 'EUR', revenueMinor: 17000, refundsMinor: 1000, averageOrderValueMinor: 5667 }] });
  });

  it('reports NPS and ticket service levels per channel', async () => {
    const response = await analyst.get(`/v1/analytics/service?from=2026-11-20&to=2026-11-21&groupBy=channel&minPosition=${head}`);
    expect(response.status).toBe(200);
    expect(response.body.totals.nps).toEqual({ answers: 2, promoters: 1, passives: 0, detractors: 1, score: 0 });
    const email = response.body.groups.find((g: { channel: string }) => g.channel === 'email');
    expect(email.tickets).toMatchObject({
      opened: 1, resolved: 1, meanFirstResponseMinutes: 30, meanResolutionMinutes: 120, firstResponseBreaches: 0, resolutionBreaches: 0, firstContactResolutionRate: 100,
    });
  });

  it('scores RFM against all buyers and explains one customer; two buyers are too few to fit a model', async () => {
    // c-1: 1 day (21 Nov 10:00), 2 orders, 70.00 net; c-2: 2 days, 1 order, 90.00 → c-1 331, c-2 113.
    const distribution = await analyst.get(`/v1/analytics/rfm/distribution?minPosition=${head}`);
    expect(distribution.body).toMatchObject({ population: 2, byScore: { '113': 1, '331': 1 }, asOf: '2026-11-23T00:00:00.000Z' });

    const one = await analyst.get(`/v1/customers/c-1/analytics?minPosition=${head}`);
    expect(one.status).toBe(200);
    // Purchase days 20 and 21 Nov: one repeat day, 1 day from first to last, T = 3 days; repeat spend 30.00.
    expect(one.body).toMatchObject({
      netRevenueMinor: 7000,
      rfm: { recencyDays: 1, frequency: 2, monetaryMinor: 7000, score: '331' },
      modelInputs: { repeatPurchaseDays: 1, recencyDays: 1, ageDays: 3, repeatSpendDays: 1, meanRepeatSpendMinor: 3000 },
      model: null, clv: null, churnRisk: null,
      population: { asOf: '2026-11-23T00:00:00.000Z', buyers: 2 },
    });
    const model = await analyst.get('/v1/analytics/model');
    expect(model.status).toBe(200);
    expect(model.body.snapshot).toMatchObject({ buyers: 2, bgNbd: null, gammaGamma: null });
    expect(model.body.snapshot.notes[0]).toBe('BG/NBD not fitted: 2 customers with an order, at least 20 needed');
    expect((await analyst.get('/v1/customers/c-nobody/analytics')).status).toBe(404);
  });

  it('answers as of an earlier instant: the 21 Nov order, refund and survey are not there yet', async () => {
    const asOf = '2026-11-20T23:00:00Z';
    const one = await analyst.get(`/v1/customers/c-1/analytics?asOf=${asOf}`);
    expect(one.body).toMatchObject({ asOf: '2026-11-20T23:00:00.000Z', orders: 1, netRevenueMinor: 5000, npsLast: null, rfm: { recencyDays: 0, frequency: 1 }, population: { asOf: '2026-11-20T23:00:00.000Z', buyers: 2 } });
    const kpis = await analyst.get(`/v1/analytics/kpis?from=2026-11-20&to=2026-11-21&asOf=${asOf}`);
    expect(kpis.body).toMatchObject({ asOf: '2026-11-20T23:00:00.000Z', totals: { orders: 2, revenue: [{ currency: 'EUR', revenueMinor: 14000, refundsMinor: 0 }] } });
    const service = await analyst.get(`/v1/analytics/service?from=2026-11-20&to=2026-11-21&asOf=${asOf}`);
    expect(service.body.totals.nps.answers).toBe(0);
    const distribution = await analyst.get(`/v1/analytics/rfm/distribution?asOf=${asOf}`);
    expect(distribution.body).toMatchObject({ population: 2, asOf: '2026-11-20T23:00:00.000Z' });
    // The route takes no body (the HTTP edge refuses one).
    const refit = await analyst.raw('POST', `/v1/analytics/model/fit?asOf=${asOf}`, undefined);
    expect(refit.status).toBe(200);
    expect(refit.body.snapshot).toMatchObject({ asOf: '2026-11-20T23:00:00.000Z', buyers: 2 });
  });

  it('streams the filtered customers as CSV, money columns named with their unit, as of a date too', async () => {
    const header = 'customerId,name,email,country,orders,netRevenueMinorEUR,R,F,M,pAlive,expectedPurchases,expectedAverageOrderValueMinorEUR,clvMinorEUR,churnRisk,otherCurrenciesNetMinor';
    const response = await analyst.get('/v1/analytics/customers.csv?country=de');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.body).toBe(`${header}\r\nc-1,Ada Lovelace,ada@example.com,DE,2,7000,3,3,1,,,,,,\r\n`);
    const chosen = await analyst.get('/v1/analytics/customers.csv?country=de&columns=customerId,orders,netRevenueMinor&asOf=2026-11-20T23:00:00Z');
    expect(chosen.body).toBe('customerId,orders,netRevenueMinorEUR\r\nc-1,1,5000\r\n');
    expect(chosen.headers['x-chronicle-as-of']).toBe('2026-11-20T23:00:00.000Z');
  });

  it('is for analysts, and refuses malformed ranges', async () => {
    expect((await support.get('/v1/analytics/kpis?from=2026-11-20&to=2026-11-21')).status).toBe(403);
    const fields = async (path: string) => {
      const response = await analyst.get(path);
      return { status: response.status, fields: (response.body.errors ?? []).map((error: { field: string }) => error.field) };
    };
    expect(await fields('/v1/analytics/kpis?from=2026-11-22&to=2026-11-21')).toEqual({ status: 400, fields: ['to'] });
    // A day the calendar does not have is named in the field that holds it: month 13 or day 00 once
    // answered 500 (Date cannot read them), 30 February of `from` was blamed on `to`.
    for (const route of ['kpis', 'service']) {
      expect(await fields(`/v1/analytics/${route}?from=2026-02-30&to=2026-03-01`)).toEqual({ status: 400, fields: ['from'] });
      for (const day of ['2026-13-01', '2026-00-01', '2026-12-00', '2026-12-32', '2026-12-99']) {
        expect({ day, ...(await fields(`/v1/analytics/${route}?from=${day}&to=2026-12-01`)) }).toEqual({ day, status: 400, fields: ['from'] });
        expect({ day, ...(await fields(`/v1/analytics/${route}?from=2026-11-01&to=${day}`)) }).toEqual({ day, status: 400, fields: ['to'] });
      }
      expect(await fields(`/v1/analytics/${route}?from=2026-13-01&to=2026-12-32`)).toEqual({ status: 400, fields: ['from', 'to'] });
    }
    expect((await analyst.get('/v1/analytics/customers.csv?rMin=6')).status).toBe(400);
    // Found from outside: a range that selects nothing (rMin 4, rMax 2) answered an empty 200, and a
    // recency of 10^20 days was taken.
    for (const [query, field] of [['rMin=4&rMax=2', 'rMax'], ['fMin=5&fMax=1', 'fMax'], ['mMin=3&mMax=2', 'mMax'], ['minRecencyDays=30&maxRecencyDays=10', 'maxRecencyDays'], ['minRecencyDays=99999999999999999999', 'minRecencyDays'], ['country=UK', 'country'], ['country=XX', 'country']]) {
      expect({ query, ...(await fields(`/v1/analytics/customers.csv?${query}`)) }).toEqual({ query, status: 400, fields: [field] });
    }
    expect((await analyst.get('/v1/analytics/customers.csv?rMin=2&rMax=2&minRecencyDays=0&maxRecencyDays=36600')).status).toBe(200);
    const bad = await analyst.get('/v1/analytics/customers.csv?columns=customerId,ssn');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('columns');
    // asOf is an instant with its offset, never in the future; horizonDays 1–3650.
    const local = await analyst.get('/v1/customers/c-1/analytics?asOf=2026-11-20T10:00:00');
    expect({ status: local.status, field: local.body.errors?.[0]?.field }).toEqual({ status: 400, field: 'asOf' });
    const future = await analyst.get('/v1/customers/c-1/analytics?asOf=2026-11-24T00:00:00Z');
    expect({ status: future.status, field: future.body.errors?.[0]?.field }).toEqual({ status: 400, field: 'asOf' });
    expect((await analyst.get('/v1/customers/c-1/analytics?horizonDays=0')).status).toBe(400);
    expect((await analyst.get('/v1/analytics/kpis?from=2026-11-20&to=2026-11-21&asOf=2026-11-24T00:00:00Z')).status).toBe(400);
    expect((await support.post('/v1/analytics/model/fit', {})).status).toBe(403);
  });
});
