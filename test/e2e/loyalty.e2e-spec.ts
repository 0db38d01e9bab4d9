// Loyalty end to end on the embedded default: a purchase over HTTP earns points through the
// reactor, a refund reverses some, a redemption spends them, the account and history show it.
// Needs LoyaltyModule wired into ChronicleModule and loyaltyProjections into chronicleProjections.
// Default programme: 1 point per 1.00, silver from 500.00 of rolling 12-month net spend.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { apiKeysSetting } from '../support/api-keys';

const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  support: 'test-support-key-0123456789',
  admin: 'test-admin-key-0123456789',
};

/** Re-reads until the answer passes (the reactor and projector are asynchronous), or fails with the last one after 10 s. */
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

describe('Loyalty end to end (embedded)', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let support: ApiClient;
  let admin: ApiClient;
  const customerId = 'c-loyal';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-loyalty-e2e-'));
    chronicle = await startChronicle({
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      API_KEYS: apiKeysSetting(KEYS),
    });
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
    admin = new ApiClient(chronicle.url, KEYS.admin);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('earns on purchases, reverses on a refund, moves the tier up and down, redeems and shows the history', async () => {
    expect((await ingest.post('/v1/customers', { customerId, profile: { firstName: 'Lee', lastName: 'Loyal' } })).status).toBe(201);
    expect((await support.get(`/v1/customers/${customerId}/loyalty`)).status).toBe(404);

    const purchase = (orderId: string, unitPriceMinor: number, occurredAt: string) =>
      ingest.post('/v1/interactions/purchases', { customerId, orderId, channel: 'web', currency: 'EUR', occurredAt, lines: [{ sku: 'S', name: 'Scarf', category: 'apparel', quantity: 1, unitPriceMinor }] });
    expect((await purchase('o-1', 300_00, '2026-11-01T10:00:00Z')).status).toBe(201);
    expect((await purchase('o-2', 250_00, '2026-11-02T10:00:00Z')).status).toBe(201);

    const silver = await eventually(() => support.get(`/v1/customers/${customerId}/loyalty`), (r) => r.status === 200 && r.body.lifetimeEarned === 550);
    expect(silver.body).toMatchObject({ customerId, balance: 550, tier: 'silver', rolling12mSpendMinor: 550_00 });

    const refund = await ingest.post('/v1/interactions/refunds', { customerId, orderId: 'o-2', refundId: 'r-1', amountMinor: 100_00, currency: 'EUR', occurredAt: '2026-11-03T10:00:00Z' });
    expect(refund.status).toBe(201);
    const bronze = await eventually(() => support.get(`/v1/customers/${customerId}/loyalty`), (r) => r.body.reversed === 100);
    expect(bronze.body).toMatchObject({ balance: 450, tier: 'bronze', rolling12mSpendMinor: 450_00 });

    const redeemed = await support.post(`/v1/customers/${customerId}/loyalty/redemptions`, { redemptionId: 'rd-1', points: 400, reason: 'voucher' });
    expect(redeemed.status).toBe(201);
    const refused = await support.post(`/v1/customers/${customerId}/loyalty/redemptions`, { redemptionId: 'rd-2', points: 51, reason: 'voucher' });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'points' })]);
    expect((await support.post(`/v1/customers/${customerId}/loyalty/adjustments`, { adjustmentId: 'a-1', points: 5, reason: 'x' })).status).toBe(403);
    const adjusted = await admin.post(`/v1/customers/${customerId}/loyalty/adjustments`, { adjustmentId: 'a-1', points: 5, reason: 'goodwill' });
    expect(adjusted.status).toBe(201);

    const account = await support.get(`/v1/customers/${customerId}/loyalty?minPosition=${adjusted.body.position}`);
    expect(account.headers['x-chronicle-consistent']).toBe('true');
    expect(account.body).toMatchObject({ balance: 55, redeemed: 400, adjusted: 5 });

    const history = await support.get(`/v1/customers/${customerId}/loyalty/history?limit=3`);
    expect(history.body.items.map((row: { type: string; points: number }) => [row.type, row.points])).toEqual([
      ['PointsAdjusted', 5], ['PointsRedeemed', -400], ['TierChanged', 0],
    ]);
    const rest = await support.get(`/v1/customers/${customerId}/loyalty/history?cursor=${history.body.nextCursor}`);
    expect(rest.body.items.map((row: { type: string }) => row.type)).toEqual(['PointsReversed', 'TierChanged', 'PointsEarned', 'PointsEarned']);
    // The cursor is this customer's: another's history is not paged from a row of this one.
    const other = await ingest.post('/v1/customers', { customerId: 'c-history-other', profile: { lastName: 'Other' } });
    const elsewhere = await support.get(`/v1/customers/c-history-other/loyalty/history?minPosition=${other.body.position}&cursor=${history.body.nextCursor}`);
    expect({ status: elsewhere.status, fields: elsewhere.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['cursor'] });
  });

  it('refuses a redemption from a balance below 0, stating the balance and deficit the account shows', async () => {
    const owing = 'c-owing';
    expect((await ingest.post('/v1/customers', { customerId: owing, profile: { lastName: 'Owing' } })).status).toBe(201);
    const bought = await ingest.post('/v1/interactions/purchases', { customerId: owing, orderId: 'o-owe', channel: 'web', currency: 'EUR', occurredAt: '2026-11-01T10:00:00Z', lines: [{ sku: 'S', name: 'Scarf', category: 'apparel', quantity: 1, unitPriceMinor: 20_00 }] });
    expect(bought.status).toBe(201);
    await eventually(() => support.get(`/v1/customers/${owing}/loyalty`), (r) => r.status === 200 && r.body.balance === 20);
    expect((await support.post(`/v1/customers/${owing}/loyalty/redemptions`, { redemptionId: 'rd-owe', points: 15, reason: 'voucher' })).status).toBe(201);
    // The refund reverses all 20 points earned on the order: 15 were spent, so 15 more than were left.
    expect((await ingest.post('/v1/interactions/refunds', { customerId: owing, orderId: 'o-owe', refundId: 'r-owe', amountMinor: 20_00, currency: 'EUR', occurredAt: '2026-11-02T10:00:00Z' })).status).toBe(201);
    const account = await eventually(() => support.get(`/v1/customers/${owing}/loyalty`), (r) => r.body.reversed === 20);
    expect(account.body).toMatchObject({ balance: -15, deficit: 15 });

    const refused = await support.post(`/v1/customers/${owing}/loyalty/redemptions`, { redemptionId: 'rd-owe-2', points: 1, reason: 'voucher' });
    expect({ status: refused.status, errors: refused.body.errors }).toEqual({
      status: 422,
      errors: [{ field: 'points', message: 'Cannot redeem 1 point: the balance is -15 (a deficit of 15: points reversed beyond what was left, paid off by the next points earned)' }],
    });
  });
});
