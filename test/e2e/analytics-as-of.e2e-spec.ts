// Analytics as of an observation date count only the customers registered by then (business time of
// their registration), on every route that takes `asOf`: the CSV export, one customer's analytics,
// the RFM distribution and the model snapshot (read or refitted). A forgotten customer stays a row,
// with `[forgotten]` for their name, from their registration on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '@app/event-sourcing';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { apiKeysSetting } from '../support/api-keys';

const KEYS = {
  ingest: 'asof-ingest-key-0123456789',
  analyst: 'asof-analyst-key-0123456789',
  admin: 'asof-admin-key-0123456789',
};

describe('Analytics as of a date before some registrations', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let analyst: ApiClient;
  let admin: ApiClient;

  const ok = async (response: Promise<{ status: number; body: unknown }>) => {
    const answer = await response;
    if (answer.status !== 200 && answer.status !== 201) throw new Error(`${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer;
  };
  const csv = async (asOf: string) => {
    const response = await analyst.get(`/v1/analytics/customers.csv?asOf=${asOf}&columns=customerId,name,orders`);
    expect(response.status).toBe(200);
    return response.body as string;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-analytics-as-of-e2e-'));
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
    analyst = new ApiClient(chronicle.url, KEYS.analyst);
    admin = new ApiClient(chronicle.url, KEYS.admin);

    const purchase = (customerId: string, orderId: string, occurredAt: string) =>
      ok(ingest.post('/v1/interactions/purchases', {
        customerId, orderId, channel: 'web', currency: 'EUR', occurredAt, lines: [{ sku: 'SKU', name: 'Item', category: 'misc', quantity: 1, unitPriceMinor: 1000 }],
      }));
    await ok(ingest.post('/v1/customers', { customerId: 'a-1', profile: { firstName: 'Ada' }, occurredAt: '2026-11-01T00:00:00Z' }));
    // a-2's order was imported with its own date, before a-2 registered.
    await ok(ingest.post('/v1/customers', { customerId: 'a-2', profile: { firstName: 'Bea' }, occurredAt: '2026-11-10T00:00:00Z' }));
    await ok(ingest.post('/v1/customers', { customerId: 'a-3', profile: { firstName: 'Cid' }, occurredAt: '2026-11-10T00:00:00Z' }));
    for (const customerId of ['a-1', 'a-2', 'a-3']) await ok(ingest.post(`/v1/customers/${customerId}/consents`, { purpose: 'profiling', granted: true, via: 'web-preferences' }));
    await purchase('a-1', 'o-1', '2026-11-05T00:00:00Z');
    await purchase('a-2', 'o-2', '2026-11-03T00:00:00Z');
    await ok(admin.post('/v1/customers/a-3/forget', { reason: 'GDPR art. 17, request DPO-9' }));
    // a-4 had given the profiling consent and bought before being forgotten.
    await ok(ingest.post('/v1/customers', { customerId: 'a-4', profile: { firstName: 'Dee' }, occurredAt: '2026-11-01T00:00:00Z' }));
    await ok(ingest.post('/v1/customers/a-4/consents', { purpose: 'profiling', granted: true, via: 'web-preferences' }));
    await purchase('a-4', 'o-4', '2026-11-02T00:00:00Z');
    await ok(admin.post('/v1/customers/a-4/forget', { reason: 'GDPR art. 17, request DPO-10' }));
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exports one row per customer registered by asOf, the forgotten one as [forgotten]', async () => {
    const header = 'customerId,name,orders\r\n';
    expect(await csv('1970-01-01T00:00:00Z')).toBe(header);
    expect(await csv('2026-10-31T23:59:59Z')).toBe(header);
    expect(await csv('2026-11-06T00:00:00Z')).toBe(`${header}a-1,Ada,1\r\na-4,[forgotten],1\r\n`);
    // At the instant of a registration the customer is registered.
    expect(await csv('2026-11-10T00:00:00Z')).toBe(`${header}a-1,Ada,1\r\na-2,Bea,1\r\na-3,[forgotten],0\r\na-4,[forgotten],1\r\n`);
  });

  // A forgotten customer who had given the profiling consent was still scored in the CSV and counted among the model's buyers.
  it('scores, ranks and fits no forgotten customer, whatever their consent was, and keeps their figures', async () => {
    const exported = await analyst.get('/v1/analytics/customers.csv?asOf=2026-11-10T00:00:00Z');
    expect(exported.status).toBe(200);
    const [header, ...rows] = (exported.body as string).split('\r\n').map((line) => line.split(','));
    const row = (customerId: string) => Object.fromEntries(header.map((name, i) => [name, rows.find((cells) => cells[0] === customerId)?.[i]]));
    const scored = ['R', 'F', 'M', 'pAlive', 'expectedPurchases', 'clvMinorEUR', 'churnRisk'];
    // The forgotten buyer's figures stay, their scores are empty; a consenting buyer's are there.
    expect(row('a-4')).toMatchObject({ name: '[forgotten]', orders: '1', netRevenueMinorEUR: '1000', ...Object.fromEntries(scored.map((name) => [name, ''])) });
    expect(row('a-1')).toMatchObject({ orders: '1', R: expect.stringMatching(/^[1-5]$/), F: expect.stringMatching(/^[1-5]$/), M: expect.stringMatching(/^[1-5]$/) });
    const one = await analyst.get('/v1/customers/a-4/analytics?asOf=2026-11-10T00:00:00Z');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ customerId: 'a-4', orders: 1, profilingConsent: false, rfm: null, model: null, clv: null, churnRisk: null });
  });

  it('answers 404 for one customer not registered as of asOf', async () => {
    const before = await analyst.get('/v1/customers/a-2/analytics?asOf=2026-11-06T00:00:00Z');
    expect(before.status).toBe(404);
    expect(before.body.detail).toMatch(/not registered as of 2026-11-06T00:00:00.000Z/);
    expect((await analyst.get('/v1/customers/a-1/analytics?asOf=1970-01-01T00:00:00Z')).status).toBe(404);
    const after = await analyst.get('/v1/customers/a-2/analytics?asOf=2026-11-10T00:00:00Z');
    expect(after.body).toMatchObject({ customerId: 'a-2', orders: 1 });
  });

  it('ranks and fits only the buyers registered by asOf', async () => {
    const distribution = await analyst.get('/v1/analytics/rfm/distribution?asOf=2026-11-06T00:00:00Z');
    expect(distribution.body).toMatchObject({ population: 1, asOf: '2026-11-06T00:00:00.000Z' });
    expect((await analyst.get('/v1/analytics/rfm/distribution?asOf=2026-11-10T00:00:00Z')).body).toMatchObject({ population: 2 });
    expect((await analyst.get('/v1/analytics/model?asOf=2026-11-06T00:00:00Z')).body.snapshot).toMatchObject({ buyers: 1 });
    expect((await analyst.get('/v1/analytics/model?asOf=1970-01-01T00:00:00Z')).body.snapshot).toMatchObject({ buyers: 0 });
    const refit = await analyst.raw('POST', '/v1/analytics/model/fit?asOf=2026-11-07T00:00:00Z', undefined);
    expect(refit.status).toBe(200);
    expect(refit.body.snapshot).toMatchObject({ asOf: '2026-11-07T00:00:00.000Z', buyers: 1 });
  });
});
