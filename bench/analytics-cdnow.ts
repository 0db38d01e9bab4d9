// The CDNOW time split for the analytics benchmark: models fitted on the 39-week calibration period
// (to 30 September 1997), every customer scored as of that date, and the scores set against what each
// customer did in the 39-week holdout (1 October 1997 – 30 June 1998).
import {
  analyseCustomer, buildPopulationSnapshot, expectedPurchases, populationMemberOf, utcDayNumber, type CustomerHistory, type PopulationMember, type PopulationSnapshot,
} from '@app/analytics';
import { CDNOW_CALIBRATION_END, CDNOW_REGISTERED_AT, CDNOW_HOLDOUT_END, cdnowHistories, loadCdnowSample } from '@app/analytics/testing/cdnow';

export interface ScoredCustomer {
  readonly customerId: string;
  /** Bought again (any purchase day) in the holdout. */
  readonly returned: boolean;
  /** Purchase days in the holdout. */
  readonly holdoutDays: number;
  readonly churnRisk: number;
  readonly churnProbability: number;
  /** The same with the default 90-day horizon. */
  readonly churnRisk90: number;
  readonly pAlive: number;
  readonly expectedHoldoutPurchases: number;
  readonly daysSinceLastPurchase: number;
  /** The 0–70 recency part of the churn score this issue replaced (no tickets or surveys in CDNOW). */
  readonly previousScore: number;
}

export interface CdnowSplit {
  readonly snapshot: PopulationSnapshot;
  readonly fitMs: number;
  readonly holdoutDays: number;
  readonly customers: readonly ScoredCustomer[];
}

const DAY_MS = 86_400_000;

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The replaced score's recency points: 0 within one typical gap (median gap, 90 days without one), 70 at three. */
function previousRecencyPoints(history: CustomerHistory, asOf: Date): number {
  const times = history.orders.filter((o) => Date.parse(o.at) <= asOf.getTime()).map((o) => Date.parse(o.at)).sort((a, b) => a - b);
  const gaps = times.slice(1).map((t, i) => (t - times[i]) / DAY_MS);
  const typical = median(gaps);
  const gap = typical !== null && typical > 0 ? typical : 90;
  const since = Math.max(0, (asOf.getTime() - times[times.length - 1]) / DAY_MS);
  return Math.round(Math.min(70, Math.max(0, (70 * (since / gap - 1)) / 2)));
}

export function cdnowTimeSplit(): CdnowSplit {
  const histories = cdnowHistories(loadCdnowSample());
  const asOf = new Date(CDNOW_CALIBRATION_END);
  const end = new Date(CDNOW_HOLDOUT_END);
  const holdoutDays = utcDayNumber(end) - utcDayNumber(asOf);
  const members = [...histories.values()].map((h) => populationMemberOf({ history: h, profilingConsent: true, registeredAt: CDNOW_REGISTERED_AT }, asOf, 'USD')).filter((m): m is PopulationMember => m !== null);
  const started = performance.now();
  const snapshot = buildPopulationSnapshot(members, { asOf, computedAt: asOf, currency: 'USD' });
  const fitMs = performance.now() - started;
  const settings = { margin: 1, discountRate: 0, horizonMonths: 9, horizonDays: holdoutDays };
  const params = snapshot.bgNbd?.parameters;
  if (!params) throw new Error(`BG/NBD not fitted on CDNOW: ${snapshot.notes.join('; ')}`);
  const customers: ScoredCustomer[] = [];
  for (const [customerId, history] of histories) {
    const record = { customerId, name: '', email: null, country: null, profilingConsent: true, history };
    const view = analyseCustomer(record, snapshot, asOf, settings, 'USD');
    const ninety = analyseCustomer(record, snapshot, asOf, { ...settings, horizonDays: 90 }, 'USD');
    if (view.model === null || view.churnRisk === null || view.rfm === null || view.modelInputs === null) continue;
    const holdout = new Set(history.orders.filter((o) => Date.parse(o.at) > asOf.getTime() && Date.parse(o.at) <= end.getTime()).map((o) => utcDayNumber(o.at)));
    const inputs = view.modelInputs;
    customers.push({
      customerId,
      returned: holdout.size > 0,
      holdoutDays: holdout.size,
      churnRisk: view.churnRisk.score,
      churnProbability: view.churnRisk.probability,
      churnRisk90: ninety.churnRisk?.probability ?? NaN,
      pAlive: view.model.pAlive,
      expectedHoldoutPurchases: expectedPurchases(params, { x: inputs.repeatPurchaseDays, tx: inputs.recencyDays, T: inputs.ageDays }, holdoutDays),
      daysSinceLastPurchase: view.rfm.recencyDays,
      previousScore: previousRecencyPoints(history, asOf),
    });
  }
  return { snapshot, fitMs, holdoutDays, customers };
}

/**
 * Area under the ROC curve of `score` for telling positives from negatives (Mann–Whitney, ties
 * counted half): the chance that a random positive scores above a random negative.
 */
export function auc(scores: readonly number[], positive: readonly boolean[]): number {
  const order = scores.map((score, i) => ({ score, positive: positive[i] })).sort((a, b) => a.score - b.score);
  let rankSumPositive = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j].score === order[i].score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (order[k].positive) {
        rankSumPositive += averageRank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  return (rankSumPositive - (positives * (positives + 1)) / 2) / (positives * negatives);
}
