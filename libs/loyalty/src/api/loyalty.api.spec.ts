// The loyalty HTTP API on a real Nest app (platform module, API keys, problem filter) over the
// SQLite stores, with the projector fed by an EventReactor so queries can wait on minPosition.
import type { INestApplication } from '@nestjs/common';
import { Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { FixedClock } from '@app/event-sourcing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_LOG, EVENT_STORE, SqliteAccessLog } from '@app/event-store';
import { READ_STORE } from '@app/read-store';
import { CommandExecutor, createHttpApp, loadConfig, PlatformModule, PROJECTION_PROGRESS, type ProjectionProgress } from '@app/platform';
import { REGISTERED_CUSTOMERS } from '@app/customers';
import { ReadModelRegisteredCustomers } from '@app/customer-view';
import type { CheckpointStore } from '@app/transport/kafka';
import { EventReactor } from '@app/transport';
import { LoyaltyTestBed } from '../testing/loyalty-test-bed';
import { LoyaltyBackground, LoyaltyModule } from './loyalty.module';

const KEYS = { ingest: 'k-ingest-0123456789', support: 'k-support-0123456789', analyst: 'k-analyst-0123456789', admin: 'k-admin-0123456789' };
const C = 'c-api';

class MemoryCheckpoints implements CheckpointStore {
  private position: number | null = null;
  async load(): Promise<number | null> {
    return this.position;
  }
  async save(_name: string, position: number): Promise<void> {
    this.position = position;
  }
}

describe('loyalty HTTP API', () => {
  let bed: LoyaltyTestBed;
  let app: INestApplication;
  let projector: EventReactor;
  let background: LoyaltyBackground;
  const clock = new FixedClock(new Date('2026-06-01T12:00:00Z'));
  const as = (role: keyof typeof KEYS) => ({ Authorization: `Bearer ${KEYS[role]}` });

  let accessLog: SqliteAccessLog;
  let accessLogDir: string;

  beforeAll(async () => {
    bed = await new LoyaltyTestBed().start();
    projector = new EventReactor(bed.events, new MemoryCheckpoints(), (events) => bed.runner.applyBatch(events), { name: 'test-projector' });
    const progress: ProjectionProgress = { waitForPosition: (position: number, timeoutMs: number) => projector.waitForPosition(position, timeoutMs) };
    accessLogDir = mkdtempSync(join(tmpdir(), 'chronicle-api-spec-'));
    accessLog = new SqliteAccessLog(join(accessLogDir, 'access-log.sqlite'));
    const config = loadConfig({ API_KEYS: Object.entries(KEYS).map(([role, key]) => `${role}=${key}`).join(','), LOG_LEVEL: 'silent', READ_WAIT_TIMEOUT_MS: '5000' });

    @Global()
    @Module({
      providers: [
        { provide: EVENT_STORE, useValue: bed.events },
        // Every read of customer data is recorded before it is answered (the platform's access log).
        { provide: ACCESS_LOG, useValue: accessLog },
        { provide: READ_STORE, useValue: bed.reads },
        { provide: CommandExecutor, useValue: bed.executor },
        { provide: PROJECTION_PROGRESS, useValue: progress },
        { provide: REGISTERED_CUSTOMERS, useValue: new ReadModelRegisteredCustomers(bed.reads, 5000, progress) },
      ],
      exports: [EVENT_STORE, ACCESS_LOG, READ_STORE, CommandExecutor, PROJECTION_PROGRESS, REGISTERED_CUSTOMERS],
    })
    class StoresModule {}

    @Module({
      imports: [
        PlatformModule.forRoot(config, { clock }),
        CqrsModule.forRoot(),
        StoresModule,
        LoyaltyModule.forRoot({ currency: 'EUR', env: { LOYALTY_TIERS: 'bronze:0:1,silver:50000:1.5', LOYALTY_EXPIRY_MONTHS: '12', LOYALTY_SWEEP_INTERVAL_MS: '0' } }),
      ],
    })
    class RootModule {}

    app = await createHttpApp(RootModule, config);
    await app.init();
    // Fastify takes requests only once ready (listen() makes it so; supertest does not listen first).
    await (app.getHttpAdapter().getInstance() as FastifyInstance).ready();
    await projector.start();
    background = app.get(LoyaltyBackground);
    await bed.register(C, '2026-01-01T00:00:00Z');
  });

  afterAll(async () => {
    await app?.close();
    await accessLog?.close();
    rmSync(accessLogDir, { recursive: true, force: true });
    await projector?.stop();
    await bed?.close();
  });

  it('earns from a purchase through the module\'s reactor and shows the account (404 before)', async () => {
    expect((await request(app.getHttpServer()).get(`/v1/customers/${C}/loyalty`).set(as('support'))).status).toBe(404);
    const purchase = await bed.purchase(C, 'o-1', '2026-05-01T10:00:00Z', [{ category: 'apparel', quantity: 2, unitPriceMinor: 150_00 }]);
    const reactor = background.purchaseReactor;
    expect(reactor).toBeDefined();
    expect(await reactor?.waitForPosition(purchase.position, 5000)).toBe(true);
    const [earned] = await bed.loyaltyEvents(C);

    const account = await request(app.getHttpServer()).get(`/v1/customers/${C}/loyalty?minPosition=${earned.position}`).set(as('support'));
    expect(account.status).toBe(200);
    expect(account.headers['x-chronicle-consistent']).toBe('true');
    expect(account.body).toMatchObject({ customerId: C, balance: 300, tier: 'bronze', lifetimeEarned: 300, nextExpiry: { points: 300, at: '2027-05-01T10:00:00.000Z' }, rolling12mSpendMinor: 300_00 });
    expect(account.body.lots).toBeUndefined();
  });

  // Found from outside: a purchase recorded late earned at the tier reached since, and the account's
  // rolling spend fell back to the 12 months before the late purchase (no promotion for the spend of now).
  it('takes a purchase recorded late at the tier of its own time, and shows and reviews the spend of now', async () => {
    const customer = 'c-late';
    await bed.register(customer, '2026-01-01T00:00:00Z');
    // Dated so that nothing of this account is due at the expiry sweep's time below.
    await bed.purchase(customer, 'o-aug', '2026-08-01T09:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 300_00 }]);
    const late = await bed.purchase(customer, 'o-jul', '2026-07-01T09:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 250_00 }]);
    expect(await background.purchaseReactor?.waitForPosition(late.position, 5000)).toBe(true);
    const events = await bed.loyaltyEvents(customer);
    const earnedLate = events.find((event) => event.type === 'PointsEarned' && (event.data as { orderId: string }).orderId === 'o-jul');
    expect(earnedLate?.data).toMatchObject({ points: 250, basis: { tier: 'bronze', tierMultiplier: 1 } });
    const promoted = events.find((event) => event.type === 'TierChanged');
    expect(promoted?.data).toMatchObject({ from: 'bronze', to: 'silver', rolling12mSpendMinor: 550_00, changedAt: '2026-08-01T09:00:00.000Z' });
    const position = events[events.length - 1].position;
    const account = await request(app.getHttpServer()).get(`/v1/customers/${customer}/loyalty?minPosition=${position}`).set(as('support'));
    expect(account.body).toMatchObject({ tier: 'silver', rolling12mSpendMinor: 550_00, lastEventAt: '2026-08-01T09:00:00.000Z', balance: 550 });
  });

  it('redeems (201), refuses what the balance does not cover (422 on points), and answers a retry as the original', async () => {
    const server = app.getHttpServer();
    const redeemed = await request(server).post(`/v1/customers/${C}/loyalty/redemptions`).set(as('support')).send({ redemptionId: 'rd-1', points: 120, reason: 'voucher' });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toMatchObject({ streamId: `loyalty-${C}`, replayed: false, changed: true });

    const retry = await request(server).post(`/v1/customers/${C}/loyalty/redemptions`).set(as('ingest')).send({ redemptionId: 'rd-1', points: 120, reason: 'voucher' });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ replayed: true, eventIds: redeemed.body.eventIds });

    const tooMuch = await request(server).post(`/v1/customers/${C}/loyalty/redemptions`).set(as('support')).send({ redemptionId: 'rd-2', points: 181, reason: 'voucher' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ code: 'RULE_VIOLATED', errors: [{ field: 'points' }] });

    const invalid = await request(server).post(`/v1/customers/${C}/loyalty/redemptions`).set(as('support')).send({ redemptionId: 'rd-3', points: 0, reason: '' });
    expect(invalid.status).toBe(400);

    const forbidden = await request(server).post(`/v1/customers/${C}/loyalty/redemptions`).set(as('analyst')).send({ redemptionId: 'rd-4', points: 1, reason: 'x' });
    expect(forbidden.status).toBe(403);

    const account = await request(server).get(`/v1/customers/${C}/loyalty?minPosition=${redeemed.body.position}`).set(as('analyst'));
    expect(account.body).toMatchObject({ balance: 180, redeemed: 120 });
  });

  it('lets only admins adjust', async () => {
    const server = app.getHttpServer();
    const body = { adjustmentId: 'adj-1', points: -30, reason: 'duplicate earn' };
    expect((await request(server).post(`/v1/customers/${C}/loyalty/adjustments`).set(as('support')).send(body)).status).toBe(403);
    const adjusted = await request(server).post(`/v1/customers/${C}/loyalty/adjustments`).set(as('admin')).send(body);
    expect(adjusted.status).toBe(201);
    const account = await request(server).get(`/v1/customers/${C}/loyalty?minPosition=${adjusted.body.position}`).set(as('support'));
    expect(account.body).toMatchObject({ balance: 150, adjusted: -30 });
  });

  it('answers 404 naming customerId for a customer never registered, and records nothing', async () => {
    const server = app.getHttpServer();
    const adjusted = await request(server).post('/v1/customers/nobody-1/loyalty/adjustments').set(as('admin')).send({ adjustmentId: 'adj-n', points: 100, reason: 'goodwill' });
    const redeemed = await request(server).post('/v1/customers/nobody-1/loyalty/redemptions').set(as('support')).send({ redemptionId: 'rd-n', points: 10, reason: 'voucher' });
    for (const response of [adjusted, redeemed]) {
      expect({ status: response.status, fields: response.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 404, fields: ['customerId'] });
    }
    expect(await bed.loyaltyEvents('nobody-1')).toEqual([]);
    expect((await request(server).get('/v1/customers/nobody-1/loyalty/history').set(as('support'))).status).toBe(404);
  });

  it('pages the history newest first with a cursor', async () => {
    const server = app.getHttpServer();
    const first = await request(server).get(`/v1/customers/${C}/loyalty/history?limit=2`).set(as('support'));
    expect(first.status).toBe(200);
    expect(first.body.items.map((row: { type: string; points: number }) => [row.type, row.points])).toEqual([['PointsAdjusted', -30], ['PointsRedeemed', -120]]);
    const second = await request(server).get(`/v1/customers/${C}/loyalty/history?limit=2&cursor=${first.body.nextCursor}`).set(as('support'));
    expect(second.body.items.map((row: { type: string }) => row.type)).toEqual(['PointsEarned']);
    expect(second.body.nextCursor).toBeNull();
    expect((await request(server).get(`/v1/customers/${C}/loyalty/history?cursor=nonsense`).set(as('support'))).status).toBe(400);
  });

  it('runs the expiry sweep against the module\'s read store', async () => {
    clock.set(new Date('2027-05-01T10:00:00Z'));
    const result = await background.expirySweep?.sweep();
    expect(result).toEqual({ due: 1, changed: 1, failed: 0 });
    const [expired] = (await bed.loyaltyEvents(C)).filter((event) => event.type === 'PointsExpired');
    const account = await request(app.getHttpServer()).get(`/v1/customers/${C}/loyalty?minPosition=${expired.position}`).set(as('support'));
    expect(account.body).toMatchObject({ balance: 0, expired: 150, nextExpiry: null });
  });
});
