// Commands on the `loyalty-<customerId>` stream. Each carries its business time (`at`): the decider
// never reads a clock, so a redelivered command decides exactly as the first time.
import type { CustomerStatus } from '@app/customers/domain/customer-status';

export interface EarnLine {
  readonly category: string;
  readonly amountMinor: number;
}

/** From PurchaseCompleted; `at` is the purchase's business time. Idempotent per orderId. */
export type EarnForPurchase = {
  readonly type: 'EarnForPurchase';
  readonly customerId: string;
  readonly orderId: string;
  readonly currency: string;
  readonly lines: readonly EarnLine[];
  readonly at: string;
};

/** From PurchaseRefunded; idempotent per refundId. */
export type ReverseForRefund = {
  readonly type: 'ReverseForRefund';
  readonly customerId: string;
  readonly orderId: string;
  readonly refundId: string;
  readonly amountMinor: number;
  readonly at: string;
};

/** Idempotent per redemptionId; refused when the balance would go negative. */
export type Redeem = {
  readonly type: 'Redeem';
  readonly customerId: string;
  /** Redemptions come from outside: the handler says whether the customer is registered. */
  readonly customerStatus: CustomerStatus;
  readonly redemptionId: string;
  readonly points: number;
  readonly reason: string;
  readonly at: string;
};

/** Expires the lots due at `asOf` and reviews the tier against the rolling spend then. */
export type ExpirePoints = {
  readonly type: 'ExpirePoints';
  readonly customerId: string;
  readonly asOf: string;
};

/** An admin correction, signed; idempotent per adjustmentId. */
export type Adjust = {
  readonly type: 'Adjust';
  readonly customerId: string;
  /** Adjustments come from outside: the handler says whether the customer is registered. */
  readonly customerStatus: CustomerStatus;
  readonly adjustmentId: string;
  readonly points: number;
  readonly reason: string;
  readonly at: string;
};

export type LoyaltyCommand = EarnForPurchase | ReverseForRefund | Redeem | ExpirePoints | Adjust;
