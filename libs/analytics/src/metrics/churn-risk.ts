// Churn risk, a transparent 0–100 score with its components:
//   recency   0–70  days since the last purchase against the customer's typical gap between
//                   purchases (median of the gaps between their remembered purchases; 90 days with
//                   fewer than two): 0 up to one typical gap, rising linearly to 70 at three gaps.
//   tickets   0–15  5 per ticket open now, at most 15.
//   nps       0–15  by the last NPS answer: detractor 15, passive 5, promoter or none 0.
// A customer who never bought has no churn risk (null): there is nothing to lose yet.
import type { NpsClass } from '@app/customer-view';

const DAY_MS = 86_400_000;
export const DEFAULT_TYPICAL_GAP_DAYS = 90;
export const RECENCY_POINTS = 70;
export const POINTS_PER_OPEN_TICKET = 5;
export const MAX_TICKET_POINTS = 15;
export const NPS_POINTS: Readonly<Record<NpsClass, number>> = { detractor: 15, passive: 5, promoter: 0 };

export interface ChurnRisk {
  readonly score: number;
  readonly explain: {
    readonly daysSinceLastPurchase: number;
    readonly typicalGapDays: number;
    readonly typicalGapSource: 'median' | 'default';
    /** daysSinceLastPurchase / typicalGapDays, rounded to 0.01. */
    readonly gapRatio: number;
    readonly recencyPoints: number;
    readonly openTickets: number;
    readonly ticketPoints: number;
    readonly npsLastClass: NpsClass | null;
    readonly npsPoints: number;
  };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Days between consecutive purchases (any order in; sorted here). */
export function purchaseGapsDays(purchaseTimes: readonly string[]): number[] {
  const times = purchaseTimes.map((at) => Date.parse(at)).sort((a, b) => a - b);
  return times.slice(1).map((t, i) => (t - times[i]) / DAY_MS);
}

export function churnRisk(input: {
  readonly purchaseTimes: readonly string[];
  readonly lastPurchaseAt: string | null;
  readonly openTickets: number;
  readonly npsLastClass: NpsClass | null;
  readonly now: Date;
}): ChurnRisk | null {
  if (input.lastPurchaseAt === null) return null;
  const daysSince = Math.max(0, (input.now.getTime() - Date.parse(input.lastPurchaseAt)) / DAY_MS);
  const typical = median(purchaseGapsDays(input.purchaseTimes));
  // A zero median (several orders at once) would make any wait infinitely late.
  const source = typical !== null && typical > 0 ? 'median' : 'default';
  const typicalGapDays = source === 'median' ? (typical as number) : DEFAULT_TYPICAL_GAP_DAYS;
  const ratio = daysSince / typicalGapDays;
  const recencyPoints = Math.round(RECENCY_POINTS * Math.min(1, Math.max(0, (ratio - 1) / 2)));
  const ticketPoints = Math.min(MAX_TICKET_POINTS, POINTS_PER_OPEN_TICKET * input.openTickets);
  const npsPoints = input.npsLastClass === null ? 0 : NPS_POINTS[input.npsLastClass];
  return {
    score: recencyPoints + ticketPoints + npsPoints,
    explain: {
      daysSinceLastPurchase: Math.round(daysSince * 100) / 100,
      typicalGapDays: Math.round(typicalGapDays * 100) / 100,
      typicalGapSource: source,
      gapRatio: Math.round(ratio * 100) / 100,
      recencyPoints,
      openTickets: input.openTickets,
      ticketPoints,
      npsLastClass: input.npsLastClass,
      npsPoints,
    },
  };
}
