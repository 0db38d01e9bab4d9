import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@app/event-sourcing';
import { EventStoreCheckpointStore } from '@app/transport/kafka';
import { LOYALTY_ACCOUNTS_COLLECTION, type LoyaltyAccountDocument } from '../projections';
import { LoyaltyTestBed, TEST_PROGRAM } from '../testing/loyalty-test-bed';
import { loyaltyProgram } from '../domain/loyalty-program';
import { EventReactor } from '@app/transport';
import { LOYALTY_REACTOR_NAME, loyaltyPurchaseReaction } from './loyalty-purchase.reaction';

const C = 'c-shopper';
const quietLogger = { warn: jest.fn() } as unknown as Logger;

describe('loyalty purchase reaction (real SqliteEventStore and CommandExecutor)', () => {
  let bed: LoyaltyTestBed;

  beforeEach(async () => {
    bed = await new LoyaltyTestBed().start();
  });

  afterEach(() => bed.close());

  it('earns once for a purchase delivered twice, caused by the purchase event and in its correlation', async () => {
    const purchase = await bed.purchase(C, 'o-1', '2026-03-01T10:00:00Z', [{ category: 'apparel', quantity: 2, unitPriceMinor: 25_00 }, { category: 'electronics', quantity: 1, unitPriceMinor: 10_00 }]);
    const react = loyaltyPurchaseReaction(bed.commands, quietLogger);

    await react([purchase]);
    await react([purchase]);
    await react([purchase, purchase]);

    const events = await bed.loyaltyEvents(C);
    expect(events.map((event) => event.type)).toEqual(['PointsEarned']);
    expect(events[0]).toMatchObject({
      data: { orderId: 'o-1', points: 50 + 20, basis: { amountMinor: 60_00, categories: { apparel: 50_00, electronics: 10_00 } }, earnedAt: '2026-03-01T10:00:00.000Z' },
      metadata: { causationId: purchase.eventId, correlationId: purchase.metadata.correlationId, occurredAt: '2026-03-01T10:00:00Z', actor: { type: 'system', id: LOYALTY_REACTOR_NAME } },
    });
  });

  it('reverses in proportion on refunds, once per refund, and moves the tier up and down with the spend', async () => {
    const react = loyaltyPurchaseReaction(bed.commands, quietLogger);
    const delivered: RecordedEvent[] = [];
    delivered.push(await bed.purchase(C, 'o-1', '2026-01-10T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 300_00 }]));
    delivered.push(await bed.purchase(C, 'o-2', '2026-02-10T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 250_00 }]));
    delivered.push(await bed.refund(C, 'o-2', 'r-1', 100_00, '2026-02-20T10:00:00Z'));
    await react(delivered);
    await react([delivered[2]]);

    const events = await bed.loyaltyEvents(C);
    expect(events.map((event) => [event.type, (event.data as { points?: number; to?: string }).points ?? (event.data as { to?: string }).to])).toEqual([
      ['PointsEarned', 300],
      ['PointsEarned', 250],
      ['TierChanged', 'silver'], // 550.00 in 12 months
      ['PointsReversed', 100], // 100.00 of 250.00 refunded: 100 of 250 points
      ['TierChanged', 'bronze'], // 450.00 net
    ]);
    expect(events[4].data).toMatchObject({ direction: 'down', reason: 'refund', rolling12mSpendMinor: 450_00 });

    await bed.project();
    expect(await bed.reads.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C)).toMatchObject({ balance: 450, tier: 'bronze', rolling12mSpendMinor: 450_00, reversed: 100 });
  });

  // Issue 12: loyalty points from an imported 1997 purchase stayed unexpired until the hourly sweep.
  it('expires at once, as of their expiry instant, points that are already past expiry when earned; a redelivery changes nothing', async () => {
    const now = { now: () => new Date('2026-11-23T00:00:00Z') };
    const react = loyaltyPurchaseReaction(bed.commands, quietLogger, now);
    const old = await bed.purchase(C, 'o-1997', '1997-03-01T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 40_00 }]);
    const recent = await bed.purchase(C, 'o-2026', '2026-03-01T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 10_00 }]);
    await react([old, recent]);
    await react([old, recent]);

    const events = await bed.loyaltyEvents(C);
    // The test bed's programme keeps points 12 months: the 1997 lot expired on 1 March 1998.
    expect(events.map((event) => event.type)).toEqual(['PointsEarned', 'PointsExpired', 'PointsEarned']);
    expect(events[1]).toMatchObject({
      data: { asOf: '1998-03-01T10:00:00.000Z', points: 40, lots: [{ lotId: 'order:o-1997', points: 40, expiresAt: '1998-03-01T10:00:00.000Z' }] },
      metadata: { causationId: old.eventId, occurredAt: '1998-03-01T10:00:00.000Z' },
    });
    await bed.project();
    expect(await bed.reads.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C)).toMatchObject({ balance: 10 });
  });

  it('skips, with a warning, a refund of an order that earned nothing here, and goes on', async () => {
    const warn = jest.fn();
    const react = loyaltyPurchaseReaction(bed.commands, { warn } as unknown as Logger);
    const orphanRefund = await bed.purchase('c-other', 'o-9', '2026-01-01T00:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 10_00 }])
      .then(() => bed.refund('c-other', 'o-9', 'r-9', 5_00, '2026-01-02T00:00:00Z'));
    const purchase = await bed.purchase(C, 'o-1', '2026-01-03T00:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 10_00 }]);
    await react([orphanRefund, purchase]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('o-9'));
    expect((await bed.loyaltyEvents(C)).map((event) => event.type)).toEqual(['PointsEarned']);
  });

  it('as an EventReactor from the global log: checkpoint saved after each batch, a restarted reactor redelivers nothing twice', async () => {
    const checkpoints = new EventStoreCheckpointStore(bed.events);
    const start = () => {
      const reactor = new EventReactor(bed.events, checkpoints, loyaltyPurchaseReaction(bed.commands, quietLogger), { name: LOYALTY_REACTOR_NAME, maxBatchSize: 2 });
      return reactor.start().then(() => reactor);
    };
    await bed.purchase(C, 'o-1', '2026-01-10T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 10_00 }]);
    const first = await start();
    const second = await bed.purchase(C, 'o-2', '2026-01-11T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 20_00 }]);
    expect(await first.waitForPosition(second.position, 5000)).toBe(true);
    await first.stop();
    expect(await checkpoints.load(LOYALTY_REACTOR_NAME)).toBeGreaterThanOrEqual(second.position);

    const third = await bed.purchase(C, 'o-3', '2026-01-12T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 30_00 }]);
    const restarted = await start();
    expect(await restarted.waitForPosition(third.position, 5000)).toBe(true);
    await restarted.stop();

    const earned = (await bed.loyaltyEvents(C)).map((event) => (event.data as { orderId: string }).orderId);
    expect(earned).toEqual(['o-1', 'o-2', 'o-3']);
  });
});

// Found from outside: a thousand earns beyond what a balance can hold went by as warning log lines;
// the reactor's pipeline now lists them as an alert (/health/ready, /metrics).
describe('loyalty purchase reaction: purchases the rules refuse', () => {
  let bed: LoyaltyTestBed;

  beforeEach(async () => {
    // 2,000 points per euro: one large order would take a balance beyond 2^53.
    bed = await new LoyaltyTestBed(loyaltyProgram({ ...TEST_PROGRAM, pointsPerMajorUnit: 2_000 })).start();
  });

  afterEach(() => bed.close());

  it('goes on past them, counting them as an alert with the last one; no alert while every purchase earns', async () => {
    const react = loyaltyPurchaseReaction(bed.commands, quietLogger);
    const fine = await bed.purchase(C, 'o-fine', '2026-03-01T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 10_00 }]);
    await react([fine]);
    expect(react.alerts?.()).toEqual([]);

    // 5 × 10^14 minor units: 10^16 points, beyond what a balance holds exactly (2^53 ≈ 9 × 10^15).
    const huge = await bed.purchase(C, 'o-huge', '2026-03-02T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 5e14 }]);
    const after = await bed.purchase(C, 'o-after', '2026-03-03T10:00:00Z', [{ category: 'apparel', quantity: 1, unitPriceMinor: 5_00 }]);
    await react([huge, after]);
    expect((await bed.loyaltyEvents(C)).filter((event) => event.type === 'PointsEarned').map((event) => (event.data as { orderId?: string }).orderId)).toEqual(['o-fine', 'o-after']);
    expect(react.alerts?.()).toEqual([
      expect.objectContaining({ code: 'purchases-not-earned', count: 1, last: expect.objectContaining({ eventId: huge.eventId, customerId: C, reason: expect.stringContaining('beyond') }) }),
    ]);
  });
});
