// A population snapshot: what per-customer analytics compare a customer with, computed once for an
// observation date instead of on every request: the RFM cut points and distribution, and the
// BG/NBD and Gamma-Gamma parameters fitted on every customer with an order by then (who consented
// to profiling: the caller gathers only those), with their
// fit diagnostics. Pure: the caller gathers each buyer's figures as of `asOf` (customer-history.ts).
import { fitBgNbd, type BgNbdFit } from './bg-nbd';
import { fitGammaGamma, type GammaGammaFit } from './gamma-gamma';
import type { ModelInputs } from './customer-history';
import { rfmCutPoints, rfmDistribution, type RfmCutPoints, type RfmDistribution, type RfmValues } from './rfm';

/** Fewer buyers (or repeat spenders, for Gamma-Gamma) than this and a model is not fitted. */
export const MIN_CUSTOMERS_TO_FIT = 20;

export interface PopulationMember {
  readonly rfm: RfmValues;
  readonly model: ModelInputs;
}

export interface PopulationSnapshot {
  /** The observation date: facts dated later are not in it. */
  readonly asOf: string;
  readonly computedAt: string;
  /** The reporting currency of monetary values and Gamma-Gamma's v. */
  readonly currency: string;
  /** Customers with an order by `asOf` (and consent to profiling: the caller gathers only those). */
  readonly buyers: number;
  /** Cut points of R, F and M (recency measured at `asOf`). */
  readonly rfm: RfmCutPoints;
  readonly distribution: RfmDistribution;
  /** Time in days (α is in days). Null when it could not be fitted; `notes` says why. */
  readonly bgNbd: BgNbdFit | null;
  /** v in minor units of `currency`. */
  readonly gammaGamma: GammaGammaFit | null;
  readonly notes: readonly string[];
  /** Wall time of the two fits. */
  readonly fitMs: number;
}

export function buildPopulationSnapshot(
  members: readonly PopulationMember[],
  context: { readonly asOf: Date; readonly computedAt: Date; readonly currency: string; readonly nowMs?: () => number },
): PopulationSnapshot {
  const clock = context.nowMs ?? (() => 0);
  const values = members.map((m) => m.rfm);
  const cuts = rfmCutPoints(values);
  const notes: string[] = [];
  const started = clock();
  let bgNbd: BgNbdFit | null = null;
  if (members.length < MIN_CUSTOMERS_TO_FIT) {
    notes.push(`BG/NBD not fitted: ${members.length} customers with an order, at least ${MIN_CUSTOMERS_TO_FIT} needed`);
  } else {
    bgNbd = finite(fitBgNbd(members.map((m) => ({ x: m.model.repeatPurchaseDays, tx: m.model.recencyDays, T: m.model.ageDays }))), 'BG/NBD', notes);
  }
  const spenders = members.filter((m) => m.model.repeatSpendDays > 0 && m.model.meanRepeatSpendMinor !== null && m.model.meanRepeatSpendMinor > 0);
  let gammaGamma: GammaGammaFit | null = null;
  if (spenders.length < MIN_CUSTOMERS_TO_FIT) {
    notes.push(`Gamma-Gamma not fitted: ${spenders.length} customers with repeat spend in ${context.currency}, at least ${MIN_CUSTOMERS_TO_FIT} needed`);
  } else {
    gammaGamma = finite(fitGammaGamma(spenders.map((m) => ({ x: m.model.repeatSpendDays, m: m.model.meanRepeatSpendMinor as number }))), 'Gamma-Gamma', notes);
    if (gammaGamma && gammaGamma.parameters.q <= 1) notes.push('Gamma-Gamma q ≤ 1: the population mean spend is infinite, so customers without repeat spend get no expected spend');
  }
  for (const [name, fit] of [['BG/NBD', bgNbd], ['Gamma-Gamma', gammaGamma]] as const) {
    if (fit && !fit.diagnostics.converged) notes.push(`${name}: the optimiser stopped before meeting its tolerances`);
    if (fit && fit.diagnostics.atBounds.length > 0) notes.push(`${name}: ${fit.diagnostics.atBounds.join(', ')} at the edge of the search box (the data do not pin them down)`);
  }
  return {
    asOf: context.asOf.toISOString(),
    computedAt: context.computedAt.toISOString(),
    currency: context.currency,
    buyers: members.length,
    rfm: cuts,
    distribution: rfmDistribution(values, cuts),
    bgNbd,
    gammaGamma,
    notes,
    fitMs: Math.round(clock() - started),
  };
}

function finite<F extends { parameters: Readonly<Record<string, number>>; diagnostics: { logLikelihood: number } }>(fit: F, name: string, notes: string[]): F | null {
  if (Object.values(fit.parameters).every(Number.isFinite) && Number.isFinite(fit.diagnostics.logLikelihood)) return fit;
  notes.push(`${name}: the fit gave no finite estimate`);
  return null;
}
