// Predicted customer lifetime value over a horizon: month by month, the purchases BG/NBD expects in
// that month times the spend Gamma-Gamma expects per purchase, times the margin, discounted to the
// observation date at the yearly discount rate d:
//
//   CLV = margin × Σ_{i=1..H} (E[Y(i·M)] − E[Y((i−1)·M)]) × E[spend] / (1 + d)^(i/12)
//
// with M = 365.25/12 days, E[Y(t)] the expected purchase days in (T, T + t] (bg-nbd.ts) and H the
// horizon in months. A customer the model thinks gone (P(alive) ≈ 0) has no future value, however
// much they bought. Future value only: what was spent, and what acquiring the customer cost, are
// not in it.
import { expectedPurchases, type BgNbdCustomer, type BgNbdParameters } from './bg-nbd';

export const DAYS_PER_MONTH = 365.25 / 12;

export interface ClvSettings {
  /** Gross margin on revenue, 0–1. */
  readonly margin: number;
  /** Yearly discount rate. */
  readonly discountRate: number;
  readonly horizonMonths: number;
}

export interface PredictedClv {
  /** Rounded to whole minor units of the reporting currency. */
  readonly valueMinor: number;
  /** Purchase days expected over the horizon (undiscounted). */
  readonly expectedPurchases: number;
  readonly horizonMonths: number;
  readonly margin: number;
  readonly discountRate: number;
}

export function predictedClv(params: BgNbdParameters, customer: BgNbdCustomer, expectedSpendMinor: number, settings: ClvSettings): PredictedClv {
  let value = 0;
  let previous = 0;
  for (let month = 1; month <= settings.horizonMonths; month++) {
    const cumulative = expectedPurchases(params, customer, month * DAYS_PER_MONTH);
    value += ((cumulative - previous) * expectedSpendMinor) / (1 + settings.discountRate) ** (month / 12);
    previous = cumulative;
  }
  return {
    valueMinor: Math.round(settings.margin * value),
    expectedPurchases: Math.round(previous * 1000) / 1000,
    horizonMonths: settings.horizonMonths,
    margin: settings.margin,
    discountRate: settings.discountRate,
  };
}
