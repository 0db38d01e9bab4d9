import { FixedClock } from '@app/event-sourcing';
import { PeriodicTask, Supervisor } from '@app/platform';
import { LOYALTY_ACCOUNTS_COLLECTION, type LoyaltyAccountDocument } from '../projections';
import { loyaltyProgram } from '../domain/loyalty-program';
import { LoyaltyTestBed, testContext, TEST_PROGRAM } from '../testing/loyalty-test-bed';
import { LoyaltyExpirySweep } from './loyalty-expiry-sweep';

describe('LoyaltyExpirySweep (injected clock, real stores)', () => {
  let bed: LoyaltyTestBed;
  let clock: FixedClock;
  let sweep: LoyaltyExpirySweep;

  const earn = (customerId: string, orderId: string, amountMinor: number, at: string) =>
    bed.commands.execute({ type: 'EarnForPurchase', customerId, orderId, currency: 'EUR', lines: [{ category: 'apparel', amountMinor }], at }, testContext(at));
  const account = (customerId: string) => bed.reads.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, customerId);

  beforeEach(async () => {
    bed = await new LoyaltyTestBed().start();
    clock = new FixedClock(new Date('2026-06-01T00:00:00Z'));
    sweep = new LoyaltyExpirySweep(bed.reads, bed.commands, clock);
  });

  afterEach(async () => {
    await bed.close();
  });

  it('expires the lots due by the clock, oldest first after redemptions, and only the accounts due', async () => {
    await earn('c-a', 'o-1', 100_00, '2026-01-10T10:00:00Z');
    await earn('c-a', 'o-2', 40_00, '2026-03-01T10:00:00Z');
    await bed.commands.execute({ type: 'Redeem', customerId: 'c-a', customerStatus: 'active', redemptionId: 'x', points: 30, reason: 'voucher', at: '2026-04-01T00:00:00Z' }, testContext('2026-04-01T00:00:00Z'));
    await earn('c-b', 'o-3', 10_00, '2026-05-01T00:00:00Z');
    await bed.project();

    expect(await sweep.sweep()).toEqual({ due: 0, changed: 0, failed: 0 });

    clock.set(new Date('2027-01-10T10:00:00Z'));
    expect(await sweep.sweep()).toEqual({ due: 1, changed: 1, failed: 0 });
    const expired = (await bed.loyaltyEvents('c-a')).filter((event) => event.type === 'PointsExpired');
    expect(expired.map((event) => event.data)).toEqual([{
      customerId: 'c-a', asOf: '2027-01-10T10:00:00.000Z', points: 70,
      lots: [{ lotId: 'order:o-1', points: 70, earnedAt: '2026-01-10T10:00:00.000Z', expiresAt: '2027-01-10T10:00:00.000Z' }],
    }]);
    expect(expired[0].metadata).toMatchObject({ actor: { type: 'system', id: 'loyalty-expiry-sweep' }, occurredAt: '2027-01-10T10:00:00.000Z' });

    await bed.project();
    expect(await account('c-a')).toMatchObject({ balance: 40, expired: 70, nextExpiry: { points: 40, at: '2027-03-01T10:00:00.000Z' }, dueAt: '2027-03-01T10:00:00.000Z' });
    // Swept again at the same instant (the read model already moved on): nothing due.
    expect(await sweep.sweep()).toEqual({ due: 0, changed: 0, failed: 0 });
    // A stale read model only costs a no-op: the decider finds nothing left to expire.
    const again = await bed.commands.execute({ type: 'ExpirePoints', customerId: 'c-a', asOf: '2027-01-10T10:00:01Z' }, testContext('2027-01-10T10:00:01Z'));
    expect(again.changed).toBe(false);
  });

  it('goes through every due account in one sweep, however many share a due date (a page at a time), and none twice', async () => {
    // Five accounts due at the same instant, one later: with pages of two, the sweep reads three pages.
    // It used to stop after its first page (1,000 accounts by default): the rest expired a sweep (an hour) later each.
    sweep = new LoyaltyExpirySweep(bed.reads, bed.commands, clock, { pageSize: 2 });
    const due = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5'];
    for (const [n, customerId] of due.entries()) await earn(customerId, `o-${n}`, 10_00, '2026-01-10T10:00:00Z');
    await earn('c-later', 'o-later', 10_00, '2026-02-10T10:00:00Z');
    await bed.project();
    const earned = (await account('c-1'))?.balance as number;
    expect(earned).toBeGreaterThan(0);

    clock.set(new Date('2027-01-10T10:00:00Z'));
    expect(await sweep.sweep()).toEqual({ due: 5, changed: 5, failed: 0 });
    for (const customerId of due) {
      expect((await bed.loyaltyEvents(customerId)).filter((event) => event.type === 'PointsExpired')).toHaveLength(1);
    }
    expect((await bed.loyaltyEvents('c-later')).map((event) => event.type)).not.toContain('PointsExpired');
    await bed.project();
    for (const customerId of due) expect(await account(customerId)).toMatchObject({ balance: 0, expired: earned });
  });

  it('moves a tier down when the spend that earned it leaves the 12-month window, without any points expiring', async () => {
    // Points live 24 months here, so only the tier review makes the account due.
    await bed.close();
    bed = await new LoyaltyTestBed(loyaltyProgram({ ...TEST_PROGRAM, expiryMonths: 24 })).start();
    sweep = new LoyaltyExpirySweep(bed.reads, bed.commands, clock);
    await earn('c-g', 'o-1', 600_00, '2026-02-01T00:00:00Z'); // silver
    await earn('c-g', 'o-2', 10_00, '2026-05-01T00:00:00Z');
    await bed.project();
    expect(await account('c-g')).toMatchObject({ tier: 'silver', tierReviewAt: '2027-02-01T00:00:00.000Z', dueAt: '2027-02-01T00:00:00.000Z' });

    clock.set(new Date('2027-01-31T23:59:59Z'));
    expect(await sweep.sweep()).toMatchObject({ due: 0 });
    clock.set(new Date('2027-02-01T00:00:00Z'));
    expect(await sweep.sweep()).toEqual({ due: 1, changed: 1, failed: 0 });
    const events = await bed.loyaltyEvents('c-g');
    expect(events.map((event) => event.type)).toEqual(['PointsEarned', 'TierChanged', 'PointsEarned', 'TierChanged']);
    expect(events[3].data).toMatchObject({ from: 'silver', to: 'bronze', direction: 'down', reason: 'review', rolling12mSpendMinor: 10_00 });
    await bed.project();
    expect(await account('c-g')).toMatchObject({ tier: 'bronze', tierReviewAt: null, balance: 600 + 15, dueAt: '2028-02-01T00:00:00.000Z' });
  });

  it('sweeps on its own timer once supervised as a periodic task', async () => {
    await earn('c-t', 'o-1', 10_00, '2025-01-01T00:00:00Z');
    await bed.project();
    const swept = new Promise<void>((resolve) => {
      const original = sweep.sweep.bind(sweep);
      jest.spyOn(sweep, 'sweep').mockImplementation(async (now) => {
        const result = await original(now);
        resolve();
        return result;
      });
    });
    const supervisor = new Supervisor();
    await supervisor.run({ name: 'loyalty-expiry-sweep', work: new PeriodicTask(() => sweep.scheduledSweep(), 5) });
    await swept;
    await supervisor.stopAll();
    expect((await bed.loyaltyEvents('c-t')).map((event) => event.type)).toContain('PointsExpired');
  });
});
