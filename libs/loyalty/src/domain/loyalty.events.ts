// Events of the `loyalty-<customerId>` stream. Every balance change names the lots it touched, so
// evolve and the projections replay it without re-running the FIFO rules.
import type { DomainEvent } from '@app/event-sourcing';

/** Points taken from one lot (by a redemption, a reversal, a negative adjustment). */
export interface LotConsumption {
  readonly lotId: string;
  readonly points: number;
}

export interface ExpiredLot {
  readonly lotId: string;
  readonly points: number;
  readonly earnedAt: string;
  readonly expiresAt: string;
}

/** What a purchase earned on: the amount, its split by category, and the tier that applied. */
export interface EarnBasis {
  readonly amountMinor: number;
  readonly currency: string;
  /** Amount in minor units by product category. */
  readonly categories: Readonly<Record<string, number>>;
  readonly tier: string;
  readonly tierMultiplier: number;
}

export type PointsEarned = DomainEvent<'PointsEarned', {
  readonly customerId: string;
  readonly orderId: string;
  /** `order:<orderId>`: the lot these points form, expiring at `expiresAt`. */
  readonly lotId: string;
  readonly points: number;
  readonly basis: EarnBasis;
  readonly earnedAt: string;
  readonly expiresAt: string;
  /** Points of this lot that paid off an earlier deficit (a reversal larger than the balance). */
  readonly settledDeficit: number;
}>;

export type PointsReversed = DomainEvent<'PointsReversed', {
  readonly customerId: string;
  readonly orderId: string;
  readonly refundId: string;
  /** The refunded amount this reversal is proportional to. */
  readonly refundedMinor: number;
  readonly points: number;
  readonly consumed: readonly LotConsumption[];
  /** Points the balance could not cover: owed, paid off by the next points earned. */
  readonly deficit: number;
  readonly reversedAt: string;
}>;

export type PointsRedeemed = DomainEvent<'PointsRedeemed', {
  readonly customerId: string;
  readonly redemptionId: string;
  readonly points: number;
  readonly reason: string;
  readonly consumed: readonly LotConsumption[];
  readonly redeemedAt: string;
}>;

export type PointsExpired = DomainEvent<'PointsExpired', {
  readonly customerId: string;
  readonly asOf: string;
  readonly points: number;
  /** Oldest first. */
  readonly lots: readonly ExpiredLot[];
}>;

export type PointsAdjusted = DomainEvent<'PointsAdjusted', {
  readonly customerId: string;
  readonly adjustmentId: string;
  /** Signed: a positive correction forms a lot of its own, a negative one consumes lots oldest first. */
  readonly points: number;
  readonly reason: string;
  readonly lotId: string | null;
  readonly expiresAt: string | null;
  readonly consumed: readonly LotConsumption[];
  readonly settledDeficit: number;
  readonly adjustedAt: string;
}>;

export type TierChangeReason = 'purchase' | 'refund' | 'review';

export type TierChanged = DomainEvent<'TierChanged', {
  readonly customerId: string;
  readonly from: string;
  readonly to: string;
  readonly direction: 'up' | 'down';
  readonly reason: TierChangeReason;
  readonly rolling12mSpendMinor: number;
  /** Spend threshold of the new tier: the level rolling spend must stay at to keep it. */
  readonly thresholdMinor: number;
  readonly changedAt: string;
}>;

export type LoyaltyEvent = PointsEarned | PointsReversed | PointsRedeemed | PointsExpired | PointsAdjusted | TierChanged;

export const LOYALTY_EVENT_TYPES: readonly LoyaltyEvent['type'][] = [
  'PointsEarned', 'PointsReversed', 'PointsRedeemed', 'PointsExpired', 'PointsAdjusted', 'TierChanged',
];
