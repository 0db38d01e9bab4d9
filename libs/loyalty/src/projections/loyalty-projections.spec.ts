import type { RecordedEvent } from '@app/event-sourcing';
import { ProjectionHarness, RecordedEventFactory } from '@app/customer-view/projections/testing';
import type { LoyaltyCommand } from '../domain/loyalty.commands';
import { balanceOf, loyaltyDecider, type LoyaltyState } from '../domain/loyalty.decider';
import type { LoyaltyEvent } from '../domain/loyalty.events';
import { loyaltyProgram } from '../domain/loyalty-program';
import { loyaltyProjections } from './index';
import { LOYALTY_ACCOUNTS_COLLECTION, type LoyaltyAccountDocument } from './loyalty-account.projection';
import { LOYALTY_HISTORY_COLLECTION, type LoyaltyHistoryDocument } from './loyalty-history.projection';

const program = loyaltyProgram({
  currency: 'EUR',
  pointsPerMajorUnit: 1,
  categoryMultipliers: {},
  tiers: [{ name: 'bronze', thresholdMinor: 0, multiplier: 1 }, { name: 'silver', thresholdMinor: 500_00, multiplier: 2 }],
  expiryMonths: 12,
});
const decider = loyaltyDecider(program);
const C = 'c-7';

/** Runs commands through the decider and records the events they produce, like the store would. */
class Account {
  state: LoyaltyState = decider.initialState();
  readonly recorded: RecordedEvent[] = [];
  private readonly factory = new RecordedEventFactory(3);

  run(command: LoyaltyCommand, at: string): LoyaltyEvent[] {
    const events = decider.decide(command, this.state);
    for (const event of events) {
      this.state = decider.evolve(this.state, event);
      this.recorded.push(this.factory.record(`loyalty-${C}`, event, { at }));
    }
    return events;
  }
}

const earn = (orderId: string, amountMinor: number, at: string): LoyaltyCommand => ({ type: 'EarnForPurchase', customerId: C, orderId, currency: 'EUR', lines: [{ category: 'apparel', amountMinor }], at });

describe('loyalty projections', () => {
  function scenario(): Account {
    const account = new Account();
    account.run(earn('o1', 100_00, '2026-01-10T10:00:00Z'), '2026-01-10T10:00:00Z');
    account.run(earn('o2', 450_00, '2026-02-01T00:00:00Z'), '2026-02-01T00:00:00Z'); // 550.00 → silver
    account.run({ type: 'Redeem', customerId: C, customerStatus: 'active', redemptionId: 'x1', points: 120, reason: 'voucher', at: '2026-03-01T00:00:00Z' }, '2026-03-01T00:00:00Z');
    account.run({ type: 'ReverseForRefund', customerId: C, orderId: 'o2', refundId: 'r1', amountMinor: 45_00, at: '2026-03-02T00:00:00Z' }, '2026-03-02T00:00:00Z'); // 505.00 stays silver
    account.run({ type: 'Adjust', customerId: C, customerStatus: 'active', adjustmentId: 'a1', points: 7, reason: 'goodwill', at: '2026-03-03T00:00:00Z' }, '2026-03-03T00:00:00Z');
    return account;
  }

  it('keeps the account in step with the decider: balance, tier, totals, next expiry, rolling spend', () => {
    const account = scenario();
    const harness = new ProjectionHarness(loyaltyProjections('EUR')).run(account.recorded);
    const doc = harness.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C);
    expect(doc).toMatchObject({
      customerId: C,
      balance: balanceOf(account.state),
      tier: 'silver',
      lifetimeEarned: 550,
      redeemed: 120,
      reversed: 45,
      adjusted: 7,
      expired: 0,
      deficit: 0,
      rolling12mSpendMinor: 505_00,
      // The redemption emptied o1's lot and took 20 from o2's; the refund took 45 more from o2's.
      nextExpiry: { points: 450 - 20 - 45, at: '2027-02-01T00:00:00.000Z' },
      tierThresholdMinor: 500_00,
      lastPosition: account.recorded[account.recorded.length - 1].position,
    });
    expect(doc?.balance).toBe(550 - 120 - 45 + 7);
  });

  it('points the sweep at the first expiry, or earlier at the day the spend holding the tier leaves the window', () => {
    const account = new Account();
    account.run(earn('o1', 100_00, '2026-01-10T10:00:00Z'), '2026-01-10T10:00:00Z');
    const harness = new ProjectionHarness(loyaltyProjections('EUR')).run(account.recorded);
    expect(harness.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C)).toMatchObject({
      nextExpiry: { points: 100, at: '2027-01-10T10:00:00.000Z' }, tierReviewAt: null, dueAt: '2027-01-10T10:00:00.000Z',
    });
    account.run(earn('o2', 450_00, '2026-02-01T00:00:00Z'), '2026-02-01T00:00:00Z');
    account.run(earn('o3', 10_00, '2026-06-01T00:00:00Z'), '2026-06-01T00:00:00Z');
    harness.run(account.recorded.slice(1));
    // Silver needs 500.00: dropping o1 (100.00) leaves 460.00, so the review is when o1 leaves the window.
    expect(harness.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C)).toMatchObject({
      tier: 'silver', tierReviewAt: '2027-01-10T10:00:00.000Z', dueAt: '2027-01-10T10:00:00.000Z', rolling12mSpendMinor: 560_00,
    });
  });

  it('writes one history row per loyalty event with the signed change to the balance', () => {
    const account = scenario();
    const harness = new ProjectionHarness(loyaltyProjections('EUR')).run(account.recorded);
    const rows = harness.all<LoyaltyHistoryDocument>(LOYALTY_HISTORY_COLLECTION).sort((a, b) => a.position - b.position);
    expect(rows.map((row) => [row.type, row.points])).toEqual([
      ['PointsEarned', 100], ['PointsEarned', 450], ['TierChanged', 0], ['PointsRedeemed', -120], ['PointsReversed', -45], ['PointsAdjusted', 7],
    ]);
    expect(rows.reduce((sum, row) => sum + row.points, 0)).toBe(balanceOf(account.state));
    expect(rows[2].summary).toBe('Tier up from bronze to silver');
    expect(rows.every((row) => row.customerId === C)).toBe(true);
  });

  it('ignores a redelivered event and events of other streams', () => {
    const account = scenario();
    const harness = new ProjectionHarness(loyaltyProjections('EUR')).run(account.recorded);
    const before = harness.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C);
    harness.run([account.recorded[0], account.recorded[3]]);
    const other = new RecordedEventFactory(1000).record('call-1', { type: 'CallLogged', data: { customerId: C, callId: '1', direction: 'inbound', durationSeconds: 1, connection: 'answered', resolution: 'resolved' } }, { at: '2026-03-04T00:00:00Z' });
    harness.run([other]);
    expect(harness.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C)).toEqual(before);
    expect(harness.ids(LOYALTY_HISTORY_COLLECTION)).toHaveLength(6);
  });

  // Issue 11: a USD purchase added its amount to a EUR programme's rolling spend.
  // Found from outside: a purchase recorded late moved the account's figures back to its own date
  // (rolling spend of the 12 months before it, without the later orders; lastEventAt unchanged).
  it('keeps the figures of the account\'s latest time when a purchase or refund is recorded late, as the decider reviews the tier', () => {
    const account = new Account();
    account.run(earn('o-nov', 300_00, '2026-11-01T09:00:00Z'), '2026-11-01T09:00:00Z');
    // Recorded at their own business times, as the loyalty reactor records a late purchase's points.
    account.run(earn('o-oct', 250_00, '2026-10-01T09:00:00Z'), '2026-10-01T09:00:00Z'); // 550.00 in the window of now → silver
    account.run({ type: 'ReverseForRefund', customerId: C, orderId: 'o-oct', refundId: 'r-late', amountMinor: 10_00, at: '2026-10-05T00:00:00Z' }, '2026-10-05T00:00:00Z');
    const harness = new ProjectionHarness(loyaltyProjections('EUR')).run(account.recorded);
    expect(account.state.tier).toBe('silver');
    expect(harness.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C)).toMatchObject({
      tier: 'silver', rolling12mSpendMinor: 540_00, lastEventAt: '2026-11-01T09:00:00.000Z', balance: balanceOf(account.state),
    });
  });

  it('counts only the programme currency toward tier spend, also for points earned before purchases were told apart', () => {
    const account = new Account();
    account.run(earn('o1', 100_00, '2026-01-10T10:00:00Z'), '2026-01-10T10:00:00Z');
    account.run({ ...earn('o-usd', 900_00, '2026-01-11T10:00:00Z'), currency: 'USD' } as LoyaltyCommand, '2026-01-11T10:00:00Z');
    // As the decider recorded it before: 900 points and 900.00 "spend" for a USD order.
    const legacy = new RecordedEventFactory(500).record(`loyalty-${C}`, {
      type: 'PointsEarned',
      data: {
        customerId: C, orderId: 'o-old', lotId: 'order:o-old', points: 900, basis: { amountMinor: 900_00, currency: 'usd', categories: { apparel: 900_00 }, tier: 'bronze', tierMultiplier: 1 },
        earnedAt: '2026-01-12T10:00:00.000Z', expiresAt: '2027-01-12T10:00:00.000Z', settledDeficit: 0,
      },
    }, { at: '2026-01-12T10:00:00Z' });
    const harness = new ProjectionHarness(loyaltyProjections('EUR')).run([...account.recorded, legacy]);
    expect(harness.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C)).toMatchObject({
      currency: 'EUR', rolling12mSpendMinor: 100_00, lifetimeEarned: 100 + 0 + 900, balance: 1000, tier: 'bronze',
    });
    const summaries = harness.all<LoyaltyHistoryDocument>(LOYALTY_HISTORY_COLLECTION).sort((a, b) => a.position - b.position).map((row) => row.summary);
    expect(summaries).toEqual([
      'Earned 100 points on order o1 (100.00 EUR)',
      'Earned 0 points on order o-usd (900.00 USD)',
      'Earned 900 points on order o-old (900.00 USD)',
    ]);
  });

  it('shows expiry and a deficit as the decider has them', () => {
    const account = new Account();
    account.run(earn('o1', 100_00, '2026-01-10T10:00:00Z'), '2026-01-10T10:00:00Z');
    account.run(earn('o2', 50_00, '2026-02-10T10:00:00Z'), '2026-02-10T10:00:00Z');
    account.run({ type: 'Redeem', customerId: C, customerStatus: 'active', redemptionId: 'x1', points: 140, reason: 'voucher', at: '2026-03-01T00:00:00Z' }, '2026-03-01T00:00:00Z');
    account.run({ type: 'ReverseForRefund', customerId: C, orderId: 'o1', refundId: 'r1', amountMinor: 100_00, at: '2026-03-02T00:00:00Z' }, '2026-03-02T00:00:00Z');
    account.run({ type: 'ExpirePoints', customerId: C, asOf: '2027-03-01T00:00:00Z' }, '2027-03-01T00:00:00Z');
    const doc = new ProjectionHarness(loyaltyProjections('EUR')).run(account.recorded).get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C);
    expect(balanceOf(account.state)).toBe(-90);
    expect(doc).toMatchObject({ balance: -90, deficit: 90, expired: 0, nextExpiry: null, dueAt: null });
  });
});
