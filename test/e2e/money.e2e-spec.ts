// Money end to end on the embedded default (issue 11): currency codes are exactly ISO 4217, amounts
// follow each currency's exponent, and no figure anywhere adds two currencies: 360 view, analytics
// per customer and KPIs, the CSV export, loyalty points and tiers, segment rules. Also events stored
// before codes were validated (`eur`, `XYZ`), appended to the store file between two starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock, newEventId, type NewEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { settledHead } from '../support/settled-head';
import { apiKeysSetting } from '../support/api-keys';

const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  support: 'test-support-key-0123456789',
  analyst: 'test-analyst-key-0123456789',
};
const NOW = new Date('2026-11-23T00:00:00Z');

/** Re-reads until the answer passes (the loyalty reactor is asynchronous), or fails with the last one after 10 s. */
async function eventually(read: () => Promise<ApiResponse>, passes: (response: ApiResponse) => boolean): Promise<ApiResponse> {
  const deadline = Date.now() + 10_000;
  let last = await read();
  while (!passes(last)) {
    if (Date.now() > deadline) throw new Error(`Condition not met; last answer ${last.status} ${JSON.stringify(last.body)}`);
    await new Promise((resolve) => setImmediate(resolve));
    last = await read();
  }
  return last;
}

function start(dataDir: string, env: Record<string, string> = {}): Promise<RunningChronicle> {
  return startChronicle(
    { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS: apiKeysSetting(KEYS), ...env },
    { clock: new FixedClock(NOW) },
  );
}

const line = (unitPriceMinor: number, category = 'apparel') => [{ sku: 'SKU', name: 'Item', category, quantity: 1, unitPriceMinor }];

describe('Money end to end (embedded): ISO 4217 codes, exponents, never two currencies in one figure', () => {
  const customerId = 'c-money';
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let support: ApiClient;
  let analyst: ApiClient;
  let head = 0;

  const send = async (client: ApiClient, path: string, body: unknown) => {
    const response = await client.post(path, body);
    expect(response.status).toBe(201);
    head = Math.max(head, response.body.position as number);
    return response;
  };
  const storeHead = async () => (await support.get('/health/ready')).body.details.eventStore.headPosition as number;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-money-e2e-'));
    chronicle = await start(dataDir);
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
    analyst = new ApiClient(chronicle.url, KEYS.analyst);
    await send(ingest, '/v1/customers', { customerId, profile: { firstName: 'Mona', lastName: 'Money', country: 'DE' } });
    // CLV and RFM are profiling: computed only with the customer's consent (issue 10).
    expect((await ingest.post(`/v1/customers/${customerId}/consents`, { purpose: 'profiling', granted: true, via: 'web-preferences' })).status).toBe(200);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses XYZ and eur with 400 naming currency (with a hint for eur), in single, batch and refund commands, and stores nothing', async () => {
    const before = await storeHead();
    const purchase = (orderId: string, currency: unknown) => ({ customerId, orderId, channel: 'web', currency, lines: line(1000) });

    const unknown = await ingest.post('/v1/interactions/purchases', purchase('o-xyz', 'XYZ'));
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    expect(unknown.body.errors).toEqual([{ field: 'currency', message: 'currency "XYZ" is not an active ISO 4217 currency code (e.g. EUR, USD, JPY)' }]);

    const lower = await ingest.post('/v1/interactions/purchases', purchase('o-lower', 'eur'));
    expect(lower.status).toBe(400);
    expect(lower.body.errors).toEqual([{ field: 'currency', message: 'currency must be the upper-case ISO 4217 code: did you mean EUR? (got "eur")' }]);

    for (const currency of ['XAU', 'EURO', 'HRK', 978, null]) {
      const refused = await ingest.post('/v1/interactions/purchases', purchase('o-other', currency));
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['currency']);
    }

    const batch = await ingest.post('/v1/interactions/batch', { items: [{ type: 'purchase', ...purchase('o-batch', 'eur') }, { type: 'refund', customerId, orderId: 'o-batch', refundId: 'r-b', amountMinor: 1, currency: 'usd' }] });
    expect(batch.status).toBe(200);
    expect(batch.body.accepted).toBe(0);
    expect(batch.body.results.map((r: { status: number; problem: { errors: { field: string }[] } }) => [r.status, r.problem.errors[0].field])).toEqual([
      [400, 'items[0].currency'], [400, 'items[1].currency'],
    ]);

    const refund = await ingest.post('/v1/interactions/refunds', { customerId, orderId: 'o-none', refundId: 'r-x', amountMinor: 100, currency: 'XYZ' });
    expect(refund.status).toBe(400);
    expect(refund.body.errors.map((e: { field: string }) => e.field)).toEqual(['currency']);

    expect(await storeHead()).toBe(before);
  });

  it('records EUR, USD, JPY and BHD purchases and refuses a refund in another currency than its purchase', async () => {
    await send(ingest, '/v1/interactions/purchases', { customerId, orderId: 'o-eur', channel: 'web', currency: 'EUR', lines: line(300_00), occurredAt: '2026-11-20T10:00:00Z' });
    await send(ingest, '/v1/interactions/purchases', { customerId, orderId: 'o-usd', channel: 'app', currency: 'USD', lines: line(300_00), occurredAt: '2026-11-20T11:00:00Z' });
    await send(ingest, '/v1/interactions/purchases', { customerId, orderId: 'o-jpy', channel: 'web', currency: 'JPY', lines: line(1500, 'tea'), occurredAt: '2026-11-21T10:00:00Z' });
    await send(ingest, '/v1/interactions/purchases', { customerId, orderId: 'o-bhd', channel: 'store', currency: 'BHD', lines: line(12_345, 'tea'), occurredAt: '2026-11-21T11:00:00Z' });

    const before = await settledHead(chronicle.url);
    const wrong = await support.post('/v1/interactions/refunds', { customerId, orderId: 'o-usd', refundId: 'r-1', amountMinor: 50_00, currency: 'EUR' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual([{ field: 'currency', message: "Order o-usd was paid in USD; a refund is in the purchase's currency, not EUR" }]);
    expect(await storeHead()).toBe(before);
    await send(support, '/v1/interactions/refunds', { customerId, orderId: 'o-usd', refundId: 'r-1', amountMinor: 50_00, currency: 'USD', occurredAt: '2026-11-22T10:00:00Z' });

    const settled = await settledHead(chronicle.url);
    // Too large a refund states every amount in the currency's major units (4000 JPY minor units are 4000 JPY, 4000 EUR minor units 40.00 EUR).
    for (const [orderId, currency, amountMinor, message] of [
      ['o-usd', 'USD', 250_01, 'Refund of 250.01 USD (amountMinor 25001) exceeds the refundable remainder of 250.00 USD (order total 300.00 USD, already refunded 50.00 USD)'],
      ['o-jpy', 'JPY', 1501, 'Refund of 1501 JPY (amountMinor 1501) exceeds the refundable remainder of 1500 JPY (order total 1500 JPY, already refunded 0 JPY)'],
      ['o-bhd', 'BHD', 12_346, 'Refund of 12.346 BHD (amountMinor 12346) exceeds the refundable remainder of 12.345 BHD (order total 12.345 BHD, already refunded 0.000 BHD)'],
    ] as const) {
      const tooMuch = await support.post('/v1/interactions/refunds', { customerId, orderId, refundId: 'r-too-much', amountMinor, currency });
      expect({ status: tooMuch.status, errors: tooMuch.body.errors }).toEqual({ status: 422, errors: [{ field: 'amountMinor', message }] });
    }
    const again = await support.post('/v1/interactions/refunds', { customerId, orderId: 'o-usd', refundId: 'r-1', amountMinor: 40_00, currency: 'USD' });
    expect({ status: again.status, errors: again.body.errors }).toEqual({ status: 409, errors: [{ field: 'refundId', message: 'Refund r-1 of order o-usd was already recorded for 50.00 USD (amountMinor 5000)' }] });
    expect(await storeHead()).toBe(settled);
  });

  it('shows the 360 purchase figures per currency with each exponent, never a sum across currencies', async () => {
    const view = await support.get(`/v1/customers/${customerId}?minPosition=${head}`);
    expect(view.status).toBe(200);
    expect(view.headers['x-chronicle-consistent']).toBe('true');
    const { purchases, refunds } = view.body;
    expect(purchases.count).toBe(4);
    expect(purchases).not.toHaveProperty('totalMinor');
    expect(Object.keys(purchases.byCurrency).sort()).toEqual(['BHD', 'EUR', 'JPY', 'USD']);
    expect(purchases.byCurrency.EUR).toMatchObject({ currency: 'EUR', exponent: 2, count: 1, totalMinor: 300_00, refundedMinor: 0, netMinor: 300_00, byChannel: { web: { count: 1, totalMinor: 300_00 } } });
    expect(purchases.byCurrency.USD).toMatchObject({ currency: 'USD', exponent: 2, count: 1, totalMinor: 300_00, refundedMinor: 50_00, netMinor: 250_00, byChannel: { app: { count: 1, totalMinor: 300_00 } } });
    expect(purchases.byCurrency.JPY).toMatchObject({ currency: 'JPY', exponent: 0, totalMinor: 1500, byCategory: { tea: { count: 1, quantity: 1, totalMinor: 1500 } } });
    expect(purchases.byCurrency.BHD).toMatchObject({ currency: 'BHD', exponent: 3, totalMinor: 12_345, byCategory: { tea: { count: 1, quantity: 1, totalMinor: 12_345 } } });
    expect(refunds).toEqual({ count: 1, byCurrency: { USD: { currency: 'USD', exponent: 2, count: 1, totalMinor: 50_00 } } });
    // CLV is in the reporting currency, named beside it.
    expect(view.body.value).toMatchObject({ currency: 'EUR', exponent: 2 });
    const timeline = await support.get(`/v1/customers/${customerId}/timeline?limit=20`);
    expect(timeline.body.items.map((item: { summary: string }) => item.summary)).toEqual(expect.arrayContaining([
      'Purchase 1 item, 300.00 EUR', 'Purchase 1 item, 300.00 USD', 'Purchase 1 item, 1500 JPY', 'Purchase 1 item, 12.345 BHD', 'Refund 50.00 USD on order o-usd',
    ]));
  });

  it('reports analytics per customer in the reporting currency with the others apart, KPIs per currency, and names the currency in the CSV', async () => {
    const one = await analyst.get(`/v1/customers/${customerId}/analytics?minPosition=${head}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      orders: 4, currency: 'EUR', exponent: 2, currencyOrders: 1, grossMinor: 300_00, netRevenueMinor: 300_00,
      otherCurrencies: [
        { currency: 'BHD', exponent: 3, orders: 1, grossMinor: 12_345, refundedMinor: 0, netMinor: 12_345 },
        { currency: 'JPY', exponent: 0, orders: 1, grossMinor: 1500, refundedMinor: 0, netMinor: 1500 },
        { currency: 'USD', exponent: 2, orders: 1, grossMinor: 300_00, refundedMinor: 50_00, netMinor: 250_00 },
      ],
      rfm: { frequency: 4, monetaryMinor: 300_00 },
    });

    const kpis = await analyst.get(`/v1/analytics/kpis?from=2026-11-20&to=2026-11-22&groupBy=channel&minPosition=${head}`);
    expect(kpis.status).toBe(200);
    expect(kpis.body.totals.revenue).toEqual([
      { currency: 'BHD', exponent: 3, orders: 1, revenueMinor: 12_345, refundsMinor: 0, netMinor: 12_345, averageOrderValueMinor: 12_345 },
      { currency: 'EUR', exponent: 2, orders: 1, revenueMinor: 300_00, refundsMinor: 0, netMinor: 300_00, averageOrderValueMinor: 300_00 },
      { currency: 'JPY', exponent: 0, orders: 1, revenueMinor: 1500, refundsMinor: 0, netMinor: 1500, averageOrderValueMinor: 1500 },
      { currency: 'USD', exponent: 2, orders: 1, revenueMinor: 300_00, refundsMinor: 50_00, netMinor: 250_00, averageOrderValueMinor: 300_00 },
    ]);
    const web = kpis.body.groups.find((group: { channel: string }) => group.channel === 'web');
    expect(web.revenue.map((r: { currency: string; revenueMinor: number }) => `${r.currency} ${r.revenueMinor}`)).toEqual(['EUR 30000', 'JPY 1500']);

    const csv = await analyst.get('/v1/analytics/customers.csv');
    expect(csv.status).toBe(200);
    const [header, row] = String(csv.body).split('\r\n');
    expect(header).toBe('customerId,name,email,country,orders,netRevenueMinorEUR,R,F,M,pAlive,expectedPurchases,expectedAverageOrderValueMinorEUR,clvMinorEUR,churnRisk,otherCurrenciesNetMinor');
    const cells = row.split(',');
    expect([cells[0], cells[4], cells[5], cells[14]]).toEqual([customerId, '4', '30000', 'BHD:12345 JPY:1500 USD:25000']);
  });

  it('earns points and tier spend only in the loyalty programme currency (EUR): a USD purchase does not lift the tier', async () => {
    // 300.00 EUR + 300.00 USD would have been 600.00 of "spend": silver from 500.00.
    const history = await eventually(() => support.get(`/v1/customers/${customerId}/loyalty/history?limit=20`), (r) => r.status === 200 && r.body.items.length >= 5);
    expect(history.body.items.map((item: { summary: string }) => item.summary)).toEqual(expect.arrayContaining([
      'Earned 300 points on order o-eur (300.00 EUR)',
      'Earned 0 points on order o-usd (300.00 USD)',
      'Earned 0 points on order o-jpy (1500 JPY)',
      'Earned 0 points on order o-bhd (12.345 BHD)',
    ]));
    const account = await support.get(`/v1/customers/${customerId}/loyalty`);
    expect(account.body).toMatchObject({ currency: 'EUR', balance: 300, lifetimeEarned: 300, tier: 'bronze', rolling12mSpendMinor: 300_00 });
  });

  it('makes segment rules that compare money name their currency, and sums only that currency', async () => {
    const missing = await analyst.post('/v1/segments/preview', { rule: { purchases: { sumMinor: { gte: 500_00 }, withinDays: 30 } } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(['rule.purchases.currency']);
    const lower = await analyst.post('/v1/segments/preview', { rule: { purchases: { sumMinor: { gte: 1 }, currency: 'eur', withinDays: 30 } } });
    expect(lower.status).toBe(400);
    expect(lower.body.errors[0]).toMatchObject({ field: 'rule.purchases.currency', message: expect.stringContaining('did you mean EUR?') });

    const preview = async (rule: unknown) => (await analyst.post('/v1/segments/preview', { rule })).body;
    expect(await preview({ purchases: { sumMinor: { gte: 500_00 }, currency: 'EUR', withinDays: 30 } })).toEqual({ count: 0, sample: [] });
    expect(await preview({ purchases: { sumMinor: { gte: 300_00 }, currency: 'EUR', withinDays: 30 } })).toEqual({ count: 1, sample: [customerId] });
    expect(await preview({ purchases: { sumMinor: { gte: 250_00, lte: 250_00 }, currency: 'USD', withinDays: 30 } })).toEqual({ count: 1, sample: [customerId] });
    expect(await preview({ purchases: { count: { gte: 4 }, withinDays: 30 } })).toEqual({ count: 1, sample: [customerId] });
    expect(await preview({ purchases: { count: { gte: 2 }, currency: 'EUR', withinDays: 30 } })).toEqual({ count: 0, sample: [] });
  });
});

describe.each([
  ['JPY', 1500, 1500, 'Earned 1500 points on order o-home (1500 JPY)'],
  ['BHD', 12_345, 12, 'Earned 12 points on order o-home (12.345 BHD)'],
])('Loyalty run in %s: points per major unit follow the ISO 4217 exponent', (currency, amountMinor, points, summary) => {
  let dataDir: string;
  let chronicle: RunningChronicle;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-money-loyalty-e2e-'));
    chronicle = await start(dataDir, { REPORTING_CURRENCY: currency });
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`earns ${points} points for ${amountMinor} minor units of ${currency}, none for EUR`, async () => {
    const ingest = new ApiClient(chronicle.url, KEYS.ingest);
    const support = new ApiClient(chronicle.url, KEYS.support);
    expect((await ingest.post('/v1/customers', { customerId: 'c-1', profile: { firstName: 'A', lastName: 'B' } })).status).toBe(201);
    expect((await ingest.post('/v1/interactions/purchases', { customerId: 'c-1', orderId: 'o-home', channel: 'web', currency, lines: line(amountMinor), occurredAt: '2026-11-20T10:00:00Z' })).status).toBe(201);
    expect((await ingest.post('/v1/interactions/purchases', { customerId: 'c-1', orderId: 'o-eur', channel: 'web', currency: 'EUR', lines: line(999_00), occurredAt: '2026-11-21T10:00:00Z' })).status).toBe(201);
    const history = await eventually(() => support.get('/v1/customers/c-1/loyalty/history?limit=20'), (r) => r.status === 200 && r.body.items.length >= 2);
    expect(history.body.items.map((item: { summary: string }) => item.summary).sort()).toEqual([summary, 'Earned 0 points on order o-eur (999.00 EUR)'].sort());
    const account = await support.get('/v1/customers/c-1/loyalty');
    expect(account.body).toMatchObject({ currency, balance: points, rolling12mSpendMinor: amountMinor });
  });
});

describe('Events stored before currency codes were validated', () => {
  const customerId = 'c-legacy';
  let dataDir: string;
  let chronicle: RunningChronicle;

  /** A purchase as the old API could store it: any three letters, lower case kept when it came by another path. */
  function legacyPurchase(orderId: string, currency: string, totalMinor: number, occurredAt: string): NewEvent {
    return {
      eventId: newEventId(),
      type: 'PurchaseCompleted',
      data: { customerId, orderId, channel: 'web', currency, lines: line(totalMinor), totalMinor },
      metadata: { customerId, schemaVersion: 1, occurredAt, actor: { type: 'service', id: 'shop' }, source: 'shop', correlationId: `legacy-${orderId}`, causationId: null },
    };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-money-legacy-e2e-'));
    chronicle = await start(dataDir);
    expect((await new ApiClient(chronicle.url, KEYS.ingest).post('/v1/customers', { customerId, profile: { firstName: 'Leg', lastName: 'Acy' } })).status).toBe(201);
    await chronicle.close();
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      await store.append('order-l-1', [legacyPurchase('l-1', 'EUR', 100_00, '2026-11-20T10:00:00Z')], { expectedRevision: 'no_stream' });
      await store.append('order-l-2', [legacyPurchase('l-2', 'eur', 50_00, '2026-11-20T11:00:00Z')], { expectedRevision: 'no_stream' });
      await store.append('order-l-3', [legacyPurchase('l-3', 'XYZ', 70_00, '2026-11-20T12:00:00Z')], { expectedRevision: 'no_stream' });
    } finally {
      await store.close();
    }
    chronicle = await start(dataDir);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads `eur` as EUR and keeps XYZ apart everywhere, without failing; refunds follow the purchase currency', async () => {
    const support = new ApiClient(chronicle.url, KEYS.support);
    const analyst = new ApiClient(chronicle.url, KEYS.analyst);
    const head = (await support.get('/health/ready')).body.details.eventStore.headPosition as number;

    const view = await support.get(`/v1/customers/${customerId}?minPosition=${head}`);
    expect(view.headers['x-chronicle-consistent']).toBe('true');
    expect(view.body.purchases.count).toBe(3);
    expect(view.body.purchases.byCurrency).toEqual({
      EUR: expect.objectContaining({ currency: 'EUR', exponent: 2, count: 2, totalMinor: 150_00 }),
      '?XYZ': expect.objectContaining({ currency: 'XYZ', exponent: null, count: 1, totalMinor: 70_00 }),
    });
    const analytics = await analyst.get(`/v1/customers/${customerId}/analytics?minPosition=${head}`);
    expect(analytics.body).toMatchObject({ orders: 3, currency: 'EUR', netRevenueMinor: 150_00, otherCurrencies: [{ currency: 'XYZ', exponent: null, netMinor: 70_00 }] });

    // The legacy `eur` order is refunded in EUR; the XYZ one can match no ISO code.
    const refunded = await support.post('/v1/interactions/refunds', { customerId, orderId: 'l-2', refundId: 'r-1', amountMinor: 10_00, currency: 'EUR' });
    expect(refunded.status).toBe(201);
    const refused = await support.post('/v1/interactions/refunds', { customerId, orderId: 'l-3', refundId: 'r-2', amountMinor: 10_00, currency: 'USD' });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({ field: 'currency', message: expect.stringContaining('paid in XYZ (not a recognised ISO 4217 code') });
    const after = await support.get(`/v1/customers/${customerId}?minPosition=${refunded.body.position}`);
    expect(after.body.purchases.byCurrency.EUR).toMatchObject({ totalMinor: 150_00, refundedMinor: 10_00, netMinor: 140_00 });

    // The loyalty reactor earned on the EUR orders (`eur` included) and nothing on XYZ.
    const history = await eventually(() => support.get(`/v1/customers/${customerId}/loyalty/history?limit=20`), (r) => r.status === 200 && r.body.items.length >= 4);
    expect(history.body.items.map((item: { summary: string }) => item.summary)).toEqual(expect.arrayContaining([
      'Earned 100 points on order l-1 (100.00 EUR)',
      'Earned 50 points on order l-2 (50.00 EUR)',
      'Earned 0 points on order l-3 (7000 XYZ (minor units, unrecognised currency))',
    ]));
  });
});
