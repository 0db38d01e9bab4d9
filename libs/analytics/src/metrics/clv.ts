// Customer lifetime value, the classic retention-discounted formula:
//
//   CLV = annualRevenue × margin × r / (1 + d − r) − acquisitionCost
//
// r is the yearly retention rate and d the yearly discount rate: r / (1 + d − r) is the sum of the
// discounted survival probabilities r^t / (1 + d)^t over the years t = 1, 2, … (expected
// discounted future years of a retained customer). annualRevenue is the customer's net revenue
// divided by their tenure in years (first purchase to now), with a tenure of at least one year so
// a new customer's first order is not extrapolated into a yearly rate.

export interface ClvParameters {
  /** Gross margin on revenue, 0–1. */
  readonly margin: number;
  /** Yearly discount rate d, 0–1. */
  readonly discountRate: number;
  /** Yearly retention rate r, 0 ≤ r < 1 + d. */
  readonly retentionRate: number;
  /** Cost of acquiring a customer, minor units. */
  readonly acquisitionCostMinor: number;
}

export interface ClvResult {
  /** Rounded to whole minor units. */
  readonly valueMinor: number;
  readonly annualRevenueMinor: number;
  readonly tenureYears: number;
  /** r / (1 + d − r). */
  readonly retentionMultiplier: number;
  readonly formula: string;
}

const YEAR_MS = 365.25 * 86_400_000;
export const CLV_FORMULA = 'annualRevenue × margin × r / (1 + d − r) − acquisitionCost';

export function retentionMultiplier(retentionRate: number, discountRate: number): number {
  return retentionRate / (1 + discountRate - retentionRate);
}

export function customerLifetimeValue(netMinor: number, firstPurchaseAt: string | null, now: Date, p: ClvParameters): ClvResult {
  const tenureYears = firstPurchaseAt === null ? 0 : Math.max(0, (now.getTime() - Date.parse(firstPurchaseAt)) / YEAR_MS);
  const annualRevenueMinor = netMinor / Math.max(1, tenureYears);
  const multiplier = retentionMultiplier(p.retentionRate, p.discountRate);
  return {
    valueMinor: Math.round(annualRevenueMinor * p.margin * multiplier - p.acquisitionCostMinor),
    annualRevenueMinor: Math.round(annualRevenueMinor),
    tenureYears: Math.round(tenureYears * 100) / 100,
    retentionMultiplier: Math.round(multiplier * 10_000) / 10_000,
    formula: CLV_FORMULA,
  };
}
