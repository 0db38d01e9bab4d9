import { DeciderSpecification, DomainError, DomainErrorCode, fold } from '@app/event-sourcing';
import type { LoyaltyCommand } from './loyalty.commands';
import { availablePoints, balanceOf, loyaltyDecider, rollingSpendMinor } from './loyalty.decider';
import type { LoyaltyEvent, PointsEarned } from './loyalty.events';
import { loyaltyProgram } from './loyalty-program';

const program = loyaltyProgram({
  currency: 'EUR',
  pointsPerMajorUnit: 1,
  categoryMultipliers: { electronics: 2, giftcards: 0 },
  tiers: [
    { name: 'bronze', thresholdMinor: 0, multiplier: 1 },
    { name: 'silver', thresholdMinor: 500_00, multiplier: 1.5 },
    { name: 'gold', thresholdMinor: 2000_00, multiplier: 2 },
  ],
  expiryMonths: 12,
});
const decider = loyaltyDecider(program);
const spec = DeciderSpecification.for(decider);
const C = 'c-1';

const earnCmd = (orderId: string, at: string, lines: { category: string; amountMinor: number }[]): LoyaltyCommand =>
  ({ type: 'EarnForPurchase', customerId: C, orderId, currency: 'EUR', lines, at });

const earned = (orderId: string, points: number, amountMinor: number, earnedAt: string, expiresAt: string, extra: Partial<PointsEarned['data']> = {}): LoyaltyEvent => ({
  type: 'PointsEarned',
  data: {
    customerId: C, orderId, lotId: `order:${orderId}`, points,
    basis: { amountMinor, currency: 'EUR', categories: { apparel: amountMinor }, tier: 'bronze', tierMultiplier: 1 },
    earnedAt, expiresAt, settledDeficit: 0, ...extra,
  },
});

const o1 = earned('o1', 100, 100_00, '2026-01-10T10:00:00.000Z', '2027-01-10T10:00:00.000Z');
const o2 = earned('o2', 50, 50_00, '2026-03-01T10:00:00.000Z', '2027-03-01T10:00:00.000Z');
/** After o1: 60 of its 100 points spent, then its refund reverses all 100, 60 beyond what was left (balance -60). */
const spentAll: LoyaltyEvent = { type: 'PointsRedeemed', data: { customerId: C, redemptionId: 'x', points: 60, reason: 'r', consumed: [{ lotId: 'order:o1', points: 60 }], redeemedAt: '2026-01-20T00:00:00.000Z' } };
const reversedBeyond: LoyaltyEvent = { type: 'PointsReversed', data: { customerId: C, orderId: 'o1', refundId: 'r1', refundedMinor: 100_00, points: 100, consumed: [{ lotId: 'order:o1', points: 40 }], deficit: 60, reversedAt: '2026-02-01T00:00:00.000Z' } };

function refusal(given: readonly LoyaltyEvent[], command: LoyaltyCommand): DomainError {
  try {
    decider.decide(command, fold(decider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`Expected ${command.type} to be refused`);
}

describe('loyalty decider', () => {
  describe('EarnForPurchase', () => {
    it('refuses to earn points the balance could not add up exactly', () => {
      const huge = earned('o9', Number.MAX_SAFE_INTEGER - 10, 100_00, '2026-01-10T10:00:00.000Z', '2027-01-10T10:00:00.000Z');
      spec.given([huge]).when(earnCmd('o2', '2026-01-11T10:00:00Z', [{ category: 'apparel', amountMinor: 11_00 }])).thenThrows(DomainErrorCode.RuleViolated, 'beyond');
    });

    it('earns points per major unit with category multipliers, in a lot that expires after expiryMonths', () => {
      spec.given([]).when(earnCmd('o1', '2026-01-10T10:00:00Z', [
        { category: 'apparel', amountMinor: 30_50 },
        { category: 'electronics', amountMinor: 20_00 },
        { category: 'giftcards', amountMinor: 50_00 },
        { category: 'apparel', amountMinor: 10_00 },
      ])).then([{
        type: 'PointsEarned',
        data: {
          customerId: C, orderId: 'o1', lotId: 'order:o1', points: 80, // 40.50×1 + 20×2 + 50×0, floored
          basis: { amountMinor: 110_50, currency: 'EUR', categories: { apparel: 40_50, electronics: 20_00, giftcards: 50_00 }, tier: 'bronze', tierMultiplier: 1 },
          earnedAt: '2026-01-10T10:00:00.000Z', expiresAt: '2027-01-10T10:00:00.000Z', settledDeficit: 0,
        },
      }]);
    });

    it('earns nothing a second time for the same order', () => {
      spec.given([o1]).when(earnCmd('o1', '2026-01-10T10:00:00Z', [{ category: 'apparel', amountMinor: 100_00 }])).then([]);
    });

    it('applies the tier multiplier held at the time of the purchase', () => {
      const silver: LoyaltyEvent = { type: 'TierChanged', data: { customerId: C, from: 'bronze', to: 'silver', direction: 'up', reason: 'purchase', rolling12mSpendMinor: 600_00, thresholdMinor: 500_00, changedAt: '2026-01-10T10:00:00.000Z' } };
      const events = decider.decide(earnCmd('o3', '2026-02-01T00:00:00Z', [{ category: 'apparel', amountMinor: 10_00 }]), fold(decider, [earned('o0', 600, 600_00, '2026-01-10T10:00:00.000Z', '2027-01-10T10:00:00.000Z'), silver]));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'PointsEarned', data: { points: 15, basis: { tier: 'silver', tierMultiplier: 1.5 } } });
    });

    // Found from outside: a purchase recorded late (dated before the account's later orders) earned at
    // the tier reached since, and its tier review looked only at the 12 months before its own date,
    // leaving out the later orders (no promotion to gold although the spend of now passed it).
    describe('a purchase recorded late', () => {
      const nov = earned('o-nov', 1000, 1000_00, '2026-11-01T09:00:00.000Z', '2027-11-01T09:00:00.000Z');
      const silverInNov: LoyaltyEvent = { type: 'TierChanged', data: { customerId: C, from: 'bronze', to: 'silver', direction: 'up', reason: 'purchase', rolling12mSpendMinor: 1000_00, thresholdMinor: 500_00, changedAt: '2026-11-01T09:00:00.000Z' } };

      it('earns at the tier in force at its own time, and is reviewed with the later orders as of the account\'s latest time', () => {
        spec.given([nov, silverInNov]).when(earnCmd('o-oct', '2026-10-01T09:00:00Z', [{ category: 'apparel', amountMinor: 1100_00 }])).then([
          {
            type: 'PointsEarned',
            data: {
              customerId: C, orderId: 'o-oct', lotId: 'order:o-oct', points: 1100,
              basis: { amountMinor: 1100_00, currency: 'EUR', categories: { apparel: 1100_00 }, tier: 'bronze', tierMultiplier: 1 },
              earnedAt: '2026-10-01T09:00:00.000Z', expiresAt: '2027-10-01T09:00:00.000Z', settledDeficit: 0,
            },
          },
          { type: 'TierChanged', data: { customerId: C, from: 'silver', to: 'gold', direction: 'up', reason: 'purchase', rolling12mSpendMinor: 2100_00, thresholdMinor: 2000_00, changedAt: '2026-11-01T09:00:00.000Z' } },
        ]);
      });

      it('earns at the tier reached since when it comes after that tier took effect', () => {
        const events = decider.decide(earnCmd('o-late', '2026-11-15T00:00:00Z', [{ category: 'apparel', amountMinor: 10_00 }]), fold(decider, [nov, silverInNov, earned('o-dec', 5, 5_00, '2026-12-01T00:00:00.000Z', '2027-12-01T00:00:00.000Z')]));
        expect(events[0]).toMatchObject({ type: 'PointsEarned', data: { points: 15, basis: { tier: 'silver', tierMultiplier: 1.5 } } });
      });

      it('is reviewed the same for a refund recorded late: the spend of now, not of the refund\'s own date', () => {
        const oct = earned('o-oct', 1100, 1100_00, '2026-10-01T09:00:00.000Z', '2027-10-01T09:00:00.000Z');
        const gold: LoyaltyEvent = { type: 'TierChanged', data: { customerId: C, from: 'silver', to: 'gold', direction: 'up', reason: 'purchase', rolling12mSpendMinor: 2100_00, thresholdMinor: 2000_00, changedAt: '2026-11-01T09:00:00.000Z' } };
        const refund: LoyaltyCommand = { type: 'ReverseForRefund', customerId: C, orderId: 'o-oct', refundId: 'r-oct', amountMinor: 200_00, at: '2026-10-15T00:00:00Z' };
        const events = decider.decide(refund, fold(decider, [nov, silverInNov, oct, gold]));
        expect(events.map((event) => event.type)).toEqual(['PointsReversed', 'TierChanged']);
        expect(events[1]).toMatchObject({ data: { from: 'gold', to: 'silver', rolling12mSpendMinor: 1900_00, changedAt: '2026-11-01T09:00:00.000Z' } });
      });
    });

    it('moves the tier up when the purchase crosses a threshold', () => {
      spec.given([o1]).when(earnCmd('o2', '2026-02-01T00:00:00Z', [{ category: 'apparel', amountMinor: 450_00 }])).then([
        earned('o2', 450, 450_00, '2026-02-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z'),
        { type: 'TierChanged', data: { customerId: C, from: 'bronze', to: 'silver', direction: 'up', reason: 'purchase', rolling12mSpendMinor: 550_00, thresholdMinor: 500_00, changedAt: '2026-02-01T00:00:00.000Z' } },
      ]);
    });

    it('pays off a deficit from the points of the next purchase', () => {
      const state = fold(decider, [o1, spentAll, reversedBeyond]);
      expect(balanceOf(state)).toBe(-60);
      const events = decider.decide(earnCmd('o9', '2026-03-01T00:00:00Z', [{ category: 'apparel', amountMinor: 100_00 }]), state);
      expect(events[0]).toMatchObject({ data: { points: 100, settledDeficit: 60 } });
      expect(balanceOf(events.reduce(decider.evolve, state))).toBe(40);
    });

    // Issue 11: a USD purchase counted toward a EUR programme's tiers; points assumed 100 minor units per unit.
    it('earns no points and no tier spend for a purchase in another currency, and says which currency it was', () => {
      const usd: LoyaltyCommand = { type: 'EarnForPurchase', customerId: C, orderId: 'o-usd', currency: 'USD', lines: [{ category: 'apparel', amountMinor: 3000_00 }], at: '2026-02-01T00:00:00Z' };
      spec.given([o1]).when(usd).then([{
        type: 'PointsEarned',
        data: {
          customerId: C, orderId: 'o-usd', lotId: 'order:o-usd', points: 0,
          basis: { amountMinor: 3000_00, currency: 'USD', categories: { apparel: 3000_00 }, tier: 'bronze', tierMultiplier: 1 },
          earnedAt: '2026-02-01T00:00:00.000Z', expiresAt: '2027-02-01T00:00:00.000Z', settledDeficit: 0,
        },
      }]);
      // 100.00 EUR, not 3100.00 of a mix: still bronze, and a EUR purchase only moves it on its own spend.
      const state = fold(decider, [o1, ...decider.decide(usd, fold(decider, [o1]))]);
      expect(rollingSpendMinor(state, '2026-02-01T00:00:00Z', 'EUR')).toBe(100_00);
      expect(state.tier).toBe('bronze');
    });

    it('reads a legacy `eur` purchase as EUR', () => {
      const events = decider.decide({ ...earnCmd('o-l', '2026-02-01T00:00:00Z', [{ category: 'apparel', amountMinor: 20_00 }]), currency: 'eur' } as LoyaltyCommand, fold(decider, []));
      expect(events[0]).toMatchObject({ data: { points: 20 } });
      expect(rollingSpendMinor(fold(decider, events), '2026-02-01T00:00:00Z', 'EUR')).toBe(20_00);
    });

    it.each([
      ['JPY', 1500, 1500], // 1 point per yen: JPY has no minor unit
      ['BHD', 12_345, 12], // 12.345 dinars
      ['CLF', 98_765, 9], // 9.8765 UF
    ])('counts points per major unit of a %s programme with its exponent (%i minor units → %i points)', (currency, amountMinor, points) => {
      const local = loyaltyDecider(loyaltyProgram({ ...program, currency }));
      const events = local.decide({ type: 'EarnForPurchase', customerId: C, orderId: 'o1', currency, lines: [{ category: 'apparel', amountMinor }], at: '2026-01-10T10:00:00Z' }, local.initialState());
      expect(events[0]).toMatchObject({ type: 'PointsEarned', data: { points, basis: { amountMinor, currency } } });
    });

    it('refuses a negative line amount', () => {
      spec.given([]).when(earnCmd('o1', '2026-01-10T10:00:00Z', [{ category: 'apparel', amountMinor: -1 }])).thenThrows(DomainErrorCode.RuleViolated, 'amountMinor');
    });
  });

  describe('ReverseForRefund', () => {
    const reverse = (refundId: string, amountMinor: number, orderId = 'o1'): LoyaltyCommand => ({ type: 'ReverseForRefund', customerId: C, orderId, refundId, amountMinor, at: '2026-02-01T00:00:00Z' });

    it('reverses points in proportion to the refunded amount, from the order\'s own lot first', () => {
      spec.given([o2, o1]).when(reverse('r1', 25_00)).then([{
        type: 'PointsReversed',
        data: { customerId: C, orderId: 'o1', refundId: 'r1', refundedMinor: 25_00, points: 25, consumed: [{ lotId: 'order:o1', points: 25 }], deficit: 0, reversedAt: '2026-02-01T00:00:00.000Z' },
      }]);
    });

    it('never reverses more than the order earned, however the refunds add up', () => {
      const first: LoyaltyEvent = { type: 'PointsReversed', data: { customerId: C, orderId: 'o1', refundId: 'r1', refundedMinor: 60_00, points: 60, consumed: [{ lotId: 'order:o1', points: 60 }], deficit: 0, reversedAt: '2026-02-01T00:00:00.000Z' } };
      const events = decider.decide(reverse('r2', 90_00), fold(decider, [o1, first]));
      expect(events).toEqual([{ type: 'PointsReversed', data: expect.objectContaining({ points: 40, deficit: 0 }) }]);
    });

    it('takes from other lots and records a deficit when the order\'s points were already spent', () => {
      const spent: LoyaltyEvent = { type: 'PointsRedeemed', data: { customerId: C, redemptionId: 'x', points: 130, reason: 'r', consumed: [{ lotId: 'order:o1', points: 100 }, { lotId: 'order:o2', points: 30 }], redeemedAt: '2026-03-02T00:00:00.000Z' } };
      spec.given([o1, o2, spent]).when(reverse('r1', 100_00)).then([{
        type: 'PointsReversed',
        data: { customerId: C, orderId: 'o1', refundId: 'r1', refundedMinor: 100_00, points: 100, consumed: [{ lotId: 'order:o2', points: 20 }], deficit: 80, reversedAt: '2026-02-01T00:00:00.000Z' },
      }]);
    });

    it('moves the tier down when the refund takes the rolling spend below the threshold', () => {
      const big = earned('o5', 600, 600_00, '2026-01-15T00:00:00.000Z', '2027-01-15T00:00:00.000Z');
      const up: LoyaltyEvent = { type: 'TierChanged', data: { customerId: C, from: 'bronze', to: 'silver', direction: 'up', reason: 'purchase', rolling12mSpendMinor: 600_00, thresholdMinor: 500_00, changedAt: '2026-01-15T00:00:00.000Z' } };
      spec.given([big, up]).when(reverse('r1', 200_00, 'o5')).then([
        { type: 'PointsReversed', data: { customerId: C, orderId: 'o5', refundId: 'r1', refundedMinor: 200_00, points: 200, consumed: [{ lotId: 'order:o5', points: 200 }], deficit: 0, reversedAt: '2026-02-01T00:00:00.000Z' } },
        { type: 'TierChanged', data: { customerId: C, from: 'silver', to: 'bronze', direction: 'down', reason: 'refund', rolling12mSpendMinor: 400_00, thresholdMinor: 0, changedAt: '2026-02-01T00:00:00.000Z' } },
      ]);
    });

    it('is a no-op for a refund already reversed', () => {
      const first: LoyaltyEvent = { type: 'PointsReversed', data: { customerId: C, orderId: 'o1', refundId: 'r1', refundedMinor: 10_00, points: 10, consumed: [{ lotId: 'order:o1', points: 10 }], deficit: 0, reversedAt: '2026-02-01T00:00:00.000Z' } };
      spec.given([o1, first]).when(reverse('r1', 10_00)).then([]);
    });

    it('refuses a refund for an order that earned nothing here', () => {
      spec.given([o1]).when(reverse('r1', 10_00, 'o-unknown')).thenThrows(DomainErrorCode.NotFound, 'o-unknown');
      expect(refusal([o1], reverse('r1', 10_00, 'o-unknown')).field).toBe('orderId');
    });

    it('refuses a refund amount that is not above 0', () => {
      spec.given([o1]).when(reverse('r1', 0)).thenThrows(DomainErrorCode.RuleViolated);
    });
  });

  describe('Redeem', () => {
    const redeem = (redemptionId: string, points: number, at = '2026-04-01T00:00:00Z'): LoyaltyCommand => ({ type: 'Redeem', customerId: C, customerStatus: 'active', redemptionId, points, reason: 'voucher', at });

    it('spends points from the oldest lots first', () => {
      spec.given([o1, o2]).when(redeem('x1', 120)).then([{
        type: 'PointsRedeemed',
        data: { customerId: C, redemptionId: 'x1', points: 120, reason: 'voucher', consumed: [{ lotId: 'order:o1', points: 100 }, { lotId: 'order:o2', points: 20 }], redeemedAt: '2026-04-01T00:00:00.000Z' },
      }]);
    });

    it('refuses, on the field points, a redemption the balance does not cover', () => {
      spec.given([o1, o2]).when(redeem('x1', 151)).thenThrows(DomainErrorCode.RuleViolated, 'the balance is 150');
      expect(refusal([o1, o2], redeem('x1', 151)).field).toBe('points');
    });

    it('does not spend points that expired before the redemption, even if not swept yet, and says so beside the balance the account shows', () => {
      spec.given([o1, o2]).when(redeem('x1', 60, '2027-02-01T00:00:00Z')).thenThrows(DomainErrorCode.RuleViolated, 'points');
      expect(balanceOf(fold(decider, [o1, o2]))).toBe(150);
      expect(refusal([o1, o2], redeem('x1', 60, '2027-02-01T00:00:00Z')).message).toBe('Cannot redeem 60 points: the balance is 150, of which 50 can be spent (100 expired and not yet removed)');
    });

    // Found from outside: a redemption dated a year back took points earned today (the check used the
    // balance of now), so the statement read as points spent before they existed.
    it('does not spend points earned after the redemption\'s own time, and says so', () => {
      // o1 earned 2026-01-10, o2 2026-03-01: on 2026-02-01 only o1's 100 can be spent.
      expect(refusal([o1, o2], redeem('x1', 101, '2026-02-01T00:00:00Z')).message).toBe(
        'Cannot redeem 101 points: the balance is 150, of which 100 can be spent (50 earned after 2026-02-01T00:00:00.000Z, the time of this request)',
      );
      spec.given([o1, o2]).when(redeem('x1', 100, '2026-02-01T00:00:00Z')).then([{
        type: 'PointsRedeemed',
        data: { customerId: C, redemptionId: 'x1', points: 100, reason: 'voucher', consumed: [{ lotId: 'order:o1', points: 100 }], redeemedAt: '2026-02-01T00:00:00.000Z' },
      }]);
      spec.given([o1, o2]).when(redeem('x1', 1, '2026-01-01T00:00:00Z')).thenThrows(DomainErrorCode.RuleViolated, 'can be spent');
    });

    it('states a balance below 0 as the account shows it, with the deficit that explains it', () => {
      const state = fold(decider, [o1, spentAll, reversedBeyond]);
      expect(balanceOf(state)).toBe(-60);
      expect(refusal([o1, spentAll, reversedBeyond], redeem('x1', 1)).message).toBe('Cannot redeem 1 point: the balance is -60 (a deficit of 60: points reversed beyond what was left, paid off by the next points earned)');
    });

    it('is a no-op for the same redemption again, and refuses its id reused for other points', () => {
      const done: LoyaltyEvent = { type: 'PointsRedeemed', data: { customerId: C, redemptionId: 'x1', points: 10, reason: 'voucher', consumed: [{ lotId: 'order:o1', points: 10 }], redeemedAt: '2026-04-01T00:00:00.000Z' } };
      spec.given([o1, done]).when(redeem('x1', 10)).then([]);
      spec.given([o1, done]).when(redeem('x1', 20)).thenThrows(DomainErrorCode.AlreadyExists, 'x1');
      expect(refusal([o1, done], redeem('x1', 20)).message).toBe('Redemption x1 was already made for 10 points');
      const one: LoyaltyEvent = { type: 'PointsRedeemed', data: { ...done.data, redemptionId: 'x2', points: 1, consumed: [{ lotId: 'order:o1', points: 1 }] } } as LoyaltyEvent;
      expect(refusal([o1, one], redeem('x2', 2)).message).toBe('Redemption x2 was already made for 1 point');
    });

    it('refuses a customer who is not registered (404 customerId), before looking at the balance', () => {
      const command: LoyaltyCommand = { type: 'Redeem', customerId: 'nobody', customerStatus: 'unknown', redemptionId: 'x1', points: 10, reason: 'voucher', at: '2026-04-01T00:00:00Z' };
      spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'nobody');
      expect(refusal([], command).field).toBe('customerId');
    });

    it('refuses points that are not a whole number above 0', () => {
      spec.given([o1]).when(redeem('x1', 0)).thenThrows(DomainErrorCode.RuleViolated, 'points');
      spec.given([o1]).when(redeem('x1', 1.5)).thenThrows(DomainErrorCode.RuleViolated, 'points');
    });
  });

  describe('ExpirePoints', () => {
    const expire = (asOf: string): LoyaltyCommand => ({ type: 'ExpirePoints', customerId: C, asOf });

    it('expires what is left of the lots due, oldest first, after redemptions took from them', () => {
      const spent: LoyaltyEvent = { type: 'PointsRedeemed', data: { customerId: C, redemptionId: 'x', points: 30, reason: 'r', consumed: [{ lotId: 'order:o1', points: 30 }], redeemedAt: '2026-04-01T00:00:00.000Z' } };
      const o3 = earned('o3', 10, 10_00, '2026-05-01T00:00:00.000Z', '2027-05-01T00:00:00.000Z');
      spec.given([o1, o2, spent, o3]).when(expire('2027-03-01T10:00:00Z')).then([{
        type: 'PointsExpired',
        data: {
          customerId: C, asOf: '2027-03-01T10:00:00.000Z', points: 120,
          lots: [
            { lotId: 'order:o1', points: 70, earnedAt: '2026-01-10T10:00:00.000Z', expiresAt: '2027-01-10T10:00:00.000Z' },
            { lotId: 'order:o2', points: 50, earnedAt: '2026-03-01T10:00:00.000Z', expiresAt: '2027-03-01T10:00:00.000Z' },
          ],
        },
      }]);
    });

    it('does nothing when no lot is due', () => {
      spec.given([o1]).when(expire('2027-01-10T09:59:59Z')).then([]);
    });

    it('moves the tier down once the spend that earned it leaves the 12-month window', () => {
      const big = earned('o5', 600, 600_00, '2026-01-15T00:00:00.000Z', '2027-01-15T00:00:00.000Z');
      const up: LoyaltyEvent = { type: 'TierChanged', data: { customerId: C, from: 'bronze', to: 'silver', direction: 'up', reason: 'purchase', rolling12mSpendMinor: 600_00, thresholdMinor: 500_00, changedAt: '2026-01-15T00:00:00.000Z' } };
      spec.given([big, up]).when(expire('2026-12-01T00:00:00Z')).then([]);
      spec.given([big, up]).when(expire('2027-01-15T00:00:00Z')).then([
        { type: 'PointsExpired', data: { customerId: C, asOf: '2027-01-15T00:00:00.000Z', points: 600, lots: [{ lotId: 'order:o5', points: 600, earnedAt: '2026-01-15T00:00:00.000Z', expiresAt: '2027-01-15T00:00:00.000Z' }] } },
        { type: 'TierChanged', data: { customerId: C, from: 'silver', to: 'bronze', direction: 'down', reason: 'review', rolling12mSpendMinor: 0, thresholdMinor: 0, changedAt: '2027-01-15T00:00:00.000Z' } },
      ]);
    });
  });

  describe('Adjust', () => {
    const adjust = (adjustmentId: string, points: number): LoyaltyCommand => ({ type: 'Adjust', customerId: C, customerStatus: 'active', adjustmentId, points, reason: 'goodwill', at: '2026-04-01T00:00:00Z' });

    it('adds a lot of its own for a positive correction', () => {
      spec.given([o1]).when(adjust('a1', 25)).then([{
        type: 'PointsAdjusted',
        data: { customerId: C, adjustmentId: 'a1', points: 25, reason: 'goodwill', adjustedAt: '2026-04-01T00:00:00.000Z', lotId: 'adjustment:a1', expiresAt: '2027-04-01T00:00:00.000Z', consumed: [], settledDeficit: 0 },
      }]);
    });

    it('takes from the oldest lots for a negative correction', () => {
      spec.given([o1, o2]).when(adjust('a1', -110)).then([{
        type: 'PointsAdjusted',
        data: { customerId: C, adjustmentId: 'a1', points: -110, reason: 'goodwill', adjustedAt: '2026-04-01T00:00:00.000Z', lotId: null, expiresAt: null, consumed: [{ lotId: 'order:o1', points: 100 }, { lotId: 'order:o2', points: 10 }], settledDeficit: 0 },
      }]);
    });

    it('refuses a negative correction beyond the balance, and 0', () => {
      spec.given([o1]).when(adjust('a1', -101)).thenThrows(DomainErrorCode.RuleViolated, 'the balance is 100');
      expect(refusal([o1], adjust('a1', -101)).message).toBe('Cannot take 101 points: the balance is 100');
      expect(refusal([o1, spentAll, reversedBeyond], adjust('a1', -1)).message).toBe('Cannot take 1 point: the balance is -60 (a deficit of 60: points reversed beyond what was left, paid off by the next points earned)');
      spec.given([o1]).when(adjust('a1', 0)).thenThrows(DomainErrorCode.RuleViolated, 'points');
    });

    it('refuses a customer who is not registered (404 customerId)', () => {
      const command: LoyaltyCommand = { type: 'Adjust', customerId: 'nobody', customerStatus: 'unknown', adjustmentId: 'a1', points: 100, reason: 'goodwill', at: '2026-04-01T00:00:00Z' };
      spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'nobody');
      expect(refusal([], command).field).toBe('customerId');
    });

    it('refuses a correction that would take the balance beyond the exact integers', () => {
      const huge = earned('o9', Number.MAX_SAFE_INTEGER - 10, 100_00, '2026-01-10T10:00:00.000Z', '2027-01-10T10:00:00.000Z');
      expect(decider.decide(adjust('a1', 10), fold(decider, [huge])).map((event) => event.data)).toMatchObject([{ points: 10, lotId: 'adjustment:a1' }]);
      spec.given([huge]).when(adjust('a1', 11)).thenThrows(DomainErrorCode.RuleViolated, 'beyond');
      expect(refusal([huge], adjust('a1', 11)).field).toBe('points');
    });

    it('is a no-op when repeated, and refuses its id reused for other points', () => {
      const done: LoyaltyEvent = { type: 'PointsAdjusted', data: { customerId: C, adjustmentId: 'a1', points: 5, reason: 'goodwill', adjustedAt: '2026-04-01T00:00:00.000Z', lotId: 'adjustment:a1', expiresAt: '2027-04-01T00:00:00.000Z', consumed: [], settledDeficit: 0 } };
      spec.given([done]).when(adjust('a1', 5)).then([]);
      spec.given([done]).when(adjust('a1', 6)).thenThrows(DomainErrorCode.AlreadyExists, 'a1');
    });
  });

  describe('state', () => {
    it('keeps balance, availability and rolling spend consistent with the events', () => {
      const state = fold(decider, [o1, o2]);
      expect(balanceOf(state)).toBe(150);
      expect(availablePoints(state, '2027-02-01T00:00:00Z')).toBe(50);
      expect(rollingSpendMinor(state, '2026-06-01T00:00:00Z', 'EUR')).toBe(150_00);
      expect(rollingSpendMinor(state, '2027-02-01T00:00:00Z', 'EUR')).toBe(50_00);
      expect(rollingSpendMinor(state, '2026-06-01T00:00:00Z', 'USD')).toBe(0);
    });
  });
});
