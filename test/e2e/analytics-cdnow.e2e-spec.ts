// Issue 12 end to end: the CDNOW sample (2,357 customers, 1997–98) imported through the public API
// with its historical business times, then analysed as of the end of the 39-week calibration
// period. The API answers the same figures as the library computes directly from the same history,
// the fitted BG/NBD is the published one, per-customer answers need no population scan, and the
// imported 1997 points are expired at once. Needs the sample (test/datasets/fetch-cdnow.sh).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '@app/event-sourcing';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { analyseCustomer, buildPopulationSnapshot, populationMemberOf, type CustomerAnalysis, type PopulationMember } from '@app/analytics';
import { CDNOW_CALIBRATION_END, CDNOW_REGISTERED_AT, CDNOW_PUBLISHED_BG_NBD, cdnowHistories, loadCdnowSample } from '@app/analytics/testing/cdnow';
import { ApiClient } from '../support/api-client';
import { settledHead } from '../support/settled-head';
import { eventually } from '../support/eventually';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(180_000);

const KEYS = { ingest: 'test-ingest-key-0123456789', analyst: 'test-analyst-key-0123456789', support: 'test-support-key-0123456789' };
const NOW = new Date('2026-11-23T00:00:00Z');
const SETTINGS = { margin: 0.3, discountRate: 0.1, horizonMonths: 12, horizonDays: 90 };

/** Runs `work` over the items, `width` at a time. */
async function pooled<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

describe('the CDNOW history imported through the API (issue 12)', () => {
  const purchases = loadCdnowSample();
  const histories = cdnowHistories(purchases);
  let dataDir: string;
  let chronicle: RunningChronicle;
  let analyst: ApiClient;
  let support: ApiClient;
  let head = 0;

  /** The library's figures for one customer as of `asOf`, from the same history, directly. */
  function direct(asOf: Date) {
    const members = [...histories.values()].map((h) => populationMemberOf({ history: h, profilingConsent: true, registeredAt: CDNOW_REGISTERED_AT }, asOf, 'USD')).filter((m): m is PopulationMember => m !== null);
    const snapshot = buildPopulationSnapshot(members, { asOf, computedAt: NOW, currency: 'USD' });
    return {
      snapshot,
      customer: (id: string): CustomerAnalysis =>
        analyseCustomer({ customerId: id, name: '', email: null, country: null, profilingConsent: true, history: histories.get(id) ?? { orders: [], refunds: [], nps: [], tickets: [] } }, snapshot, asOf, SETTINGS, 'USD'),
    };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-cdnow-e2e-'));
    chronicle = await startChronicle(
      {
        DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', REPORTING_CURRENCY: 'USD', MAX_BATCH_SIZE: '1000',
        ANALYTICS_REFIT_INTERVAL_MS: '0', ANALYTICS_MARGIN: '0.3', ANALYTICS_DISCOUNT_RATE: '0.1', ANALYTICS_CLV_HORIZON_MONTHS: '12', ANALYTICS_HORIZON_DAYS: '90',
        API_KEYS: apiKeysSetting(KEYS),
      },
      { clock: new FixedClock(NOW) },
    );
    const ingest = new ApiClient(chronicle.url, KEYS.ingest);
    analyst = new ApiClient(chronicle.url, KEYS.analyst);
    support = new ApiClient(chronicle.url, KEYS.support);
    await pooled([...histories.keys()], 16, async (customerId) => {
      const response = await ingest.post('/v1/customers', { customerId, profile: {}, occurredAt: CDNOW_REGISTERED_AT });
      expect(response.status).toBe(201);
      // Scores and the population fit are profiling: every CDNOW customer consents to it.
      const consented = await ingest.post(`/v1/customers/${customerId}/consents`, { purpose: 'profiling', granted: true, via: 'import', occurredAt: '1997-01-01T00:00:00Z' });
      expect(consented.status).toBe(200);
      head = Math.max(head, consented.body.position);
    });
    for (let i = 0; i < purchases.length; i += 1000) {
      const items = purchases.slice(i, i + 1000).map((p) => ({
        type: 'purchase', customerId: p.customerId, orderId: p.orderId, channel: 'web', currency: 'USD', occurredAt: p.at,
        lines: [{ sku: 'CD', name: 'CDs', category: 'music', quantity: 1, unitPriceMinor: p.amountMinor }],
      }));
      const response = await ingest.post('/v1/interactions/batch', { items });
      expect({ status: response.status, rejected: response.body.rejected }).toEqual({ status: 200, rejected: 0 });
      for (const result of response.body.results) head = Math.max(head, result.outcome.position);
    }
    // The first model request stores the snapshot of its date: ask once every pipeline has the whole
    // import (a busy machine can take longer than READ_WAIT_TIMEOUT_MS to project 12,000 events).
    await settledHead(chronicle.url, 540_000);
  }, 600_000);

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fits, as of the end of the calibration period, the parameters the library computes directly, which are the published ones', async () => {
    const asOf = new Date(CDNOW_CALIBRATION_END);
    const response = await analyst.get(`/v1/analytics/model?asOf=${CDNOW_CALIBRATION_END}&minPosition=${head}`);
    expect(response.status).toBe(200);
    expect(response.headers['x-chronicle-consistent']).toBe('true');
    const { snapshot } = direct(asOf);
    expect(response.body.snapshot).toEqual(JSON.parse(JSON.stringify({ ...snapshot, fitMs: response.body.snapshot.fitMs })));
    const p = response.body.snapshot.bgNbd.parameters;
    expect([p.r, p.alpha / 7, p.a, p.b].map((v: number) => Number(v.toFixed(2)))).toEqual([0.24, 4.41, 0.79, 2.43]);
    expect(Math.abs(p.r - CDNOW_PUBLISHED_BG_NBD.r)).toBeLessThan(0.005);
    expect(response.body.snapshot.bgNbd.diagnostics).toMatchObject({ converged: true, customers: 2357 });
  });

  it('answers each customer as of that date with the library’s own figures, from the stored snapshot', async () => {
    const { customer } = direct(new Date(CDNOW_CALIBRATION_END));
    for (const id of ['cdnow-0001', 'cdnow-0002', 'cdnow-1000', 'cdnow-2357']) {
      const response = await analyst.get(`/v1/customers/${id}/analytics?asOf=${CDNOW_CALIBRATION_END}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(JSON.parse(JSON.stringify(customer(id))));
    }
    // Customer 1: purchase days 1 Jan, 18 Jan, 2 Aug 1997 → x 2, t_x 213 days (30.43 weeks), T 272 (38.86 weeks).
    const one = (await analyst.get(`/v1/customers/cdnow-0001/analytics?asOf=${CDNOW_CALIBRATION_END}`)).body;
    expect(one.modelInputs).toEqual({ repeatPurchaseDays: 2, recencyDays: 213, ageDays: 272, repeatSpendDays: 2, meanRepeatSpendMinor: 2234.5 });
    expect(one.rfm).toMatchObject({ recencyDays: 59, frequency: 3 });
  });

  it('measures as of the data, not the wall clock: recency, churn and CLV spread over the customers', async () => {
    const csv = await analyst.get(`/v1/analytics/customers.csv?asOf=${CDNOW_CALIBRATION_END}&columns=customerId,recencyDays,pAlive,clvMinor,churnRisk`);
    expect(csv.status).toBe(200);
    expect(csv.headers['x-chronicle-as-of']).toBe('1997-09-30T23:59:59.000Z');
    const rows = String(csv.body).split('\r\n').slice(1, -1).map((line) => line.split(','));
    expect(rows).toHaveLength(2357);
    expect(Math.max(...rows.map((r) => Number(r[1])))).toBeLessThanOrEqual(272);
    // Not one score for everyone (the old score gave 74% of them 70): no score holds half the
    // customers, though the 60% who bought once in the first quarter share a narrow band.
    const byScore = new Map<string, number>();
    for (const r of rows) byScore.set(r[4], (byScore.get(r[4]) ?? 0) + 1);
    expect(Math.max(...byScore.values())).toBeLessThan(2357 / 2);
    expect(byScore.size).toBeGreaterThan(30);
    const { customer } = direct(new Date(CDNOW_CALIBRATION_END));
    const sample = rows.find((r) => r[0] === 'cdnow-0042') as string[];
    const expected = customer('cdnow-0042');
    expect(sample).toEqual(['cdnow-0042', String(expected.rfm?.recencyDays), String(expected.model?.pAlive), String(expected.clv?.valueMinor), String(expected.churnRisk?.score)]);
  });

  it('selects customers by P(alive) in a segment preview as the library counts them now', async () => {
    const now = direct(NOW);
    const expected = [...histories.keys()].filter((id) => (now.customer(id).model?.pAlive ?? 1) <= 0.3).length;
    const preview = await analyst.post('/v1/segments/preview', { rule: { pAlive: { lte: 0.3 } } });
    expect(preview.status).toBe(200);
    expect(preview.body.count).toBe(expected);
    expect(expected).toBeGreaterThan(0);
  });

  it('expires the points of the imported 1997 purchases at once', async () => {
    await eventually(async () => {
      const loyalty = await support.get('/v1/customers/cdnow-0001/loyalty');
      expect(loyalty.status).toBe(200);
      expect(loyalty.body.balance).toBe(0);
      const history = await support.get('/v1/customers/cdnow-0001/loyalty/history?limit=50');
      expect(history.body.items.filter((item: { type: string }) => item.type === 'PointsExpired').length).toBeGreaterThan(0);
    }, 60_000);
  });
});
