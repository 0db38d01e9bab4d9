// Everything Chronicle says about one customer's value as of an observation date: money, classic
// RFM against the population snapshot, the model inputs, P(alive), expected purchases, expected
// spend per purchase, predicted CLV and churn risk. One pure function, so every surface (the
// per-customer route, the CSV export, the 360 view, segment facts) computes them the same way and
// the consent to profiling gates them all here, in one place.
import type { CurrencyCode } from '@app/money';
import { minorUnitExponent } from '@app/money';
import { expectedPurchases, probabilityAlive, probabilityNoPurchase, type BgNbdCustomer } from './bg-nbd';
import { expectedSpend } from './gamma-gamma';
import { churnRisk, type ChurnRisk } from './churn-risk';
import { historyAsOf, registeredBy, type CurrencyTotals, type CustomerHistory, type ModelInputs } from './customer-history';
import { predictedClv, type ClvSettings, type PredictedClv } from './predictive-clv';
import { recencyDays, scoreRfm, type RfmScores, type RfmValues } from './rfm';
import type { PopulationSnapshot } from './population-snapshot';

export interface AnalyticsSettings extends ClvSettings {
  /** Window of "expected purchases" and of churn risk, in days. */
  readonly horizonDays: number;
}

/** The customer as the analytics read model keeps them. */
export interface CustomerRecord {
  readonly customerId: string;
  readonly name: string;
  readonly email: string | null;
  readonly country: string | null;
  /** The customer's latest decision on the `profiling` consent purpose; null: never asked. */
  readonly profilingConsent: boolean | null;
  readonly history: CustomerHistory;
}

/**
 * Scores that evaluate a customer (RFM, P(alive), expected purchases and spend, predicted CLV,
 * churn risk) are profiling (issue 10): computed only with the customer's current consent to it,
 * whatever the observation date (a withdrawal today stops profiling of their past too), and only
 * consenting customers are in the population the models are fitted on.
 */
export function profilingAllowed(consent: boolean | null | undefined): boolean {
  return consent === true;
}

export interface CustomerModelFigures {
  /** P(alive) at the observation date. */
  readonly pAlive: number;
  /** Purchase days expected in the next `horizonDays`. */
  readonly expectedPurchases: { readonly horizonDays: number; readonly value: number };
  /** Gamma-Gamma's expected spend per purchase day, minor units of the reporting currency; null without spend in it. */
  readonly expectedAverageOrderValueMinor: number | null;
}

export interface CustomerAnalysis {
  readonly customerId: string;
  readonly name: string;
  readonly email: string | null;
  readonly country: string | null;
  /** The observation date: facts dated later are not counted. */
  readonly asOf: string;
  /** Orders in every currency. */
  readonly orders: number;
  /** The reporting currency: the money figures, RFM monetary, expected spend and CLV are in its minor units. */
  readonly currency: CurrencyCode;
  readonly exponent: number;
  readonly currencyOrders: number;
  readonly grossMinor: number;
  readonly refundedMinor: number;
  readonly netRevenueMinor: number;
  /** The customer's money in every other currency, kept apart: never converted, in no figure. */
  readonly otherCurrencies: readonly CurrencyTotals[];
  readonly firstPurchaseAt: string | null;
  readonly lastPurchaseAt: string | null;
  readonly openTickets: number;
  readonly npsLast: number | null;
  /** The customer's latest decision on the `profiling` consent (null: never asked); only true gives the scores below. */
  readonly profilingConsent: boolean | null;
  /** Classic RFM values and their scores against the snapshot; null without orders or without profiling consent. */
  readonly rfm: (RfmValues & RfmScores & { readonly population: number }) | null;
  /**
   * The model's inputs (purchase days, recency from first to last, T, mean repeat spend); null
   * without orders. Counts and means of the customer's own orders, like `orders`: not a score.
   */
  readonly modelInputs: ModelInputs | null;
  /** Null without orders, without profiling consent, or when the snapshot has no BG/NBD fit. */
  readonly model: CustomerModelFigures | null;
  /** Null without profiling consent, or where the model or the expected spend is missing. */
  readonly clv: (PredictedClv & { readonly currency: CurrencyCode }) | null;
  /** Null without profiling consent, or where the model is missing. */
  readonly churnRisk: ChurnRisk | null;
  /** The snapshot the ranks and parameters came from. */
  readonly population: { readonly asOf: string; readonly computedAt: string; readonly buyers: number };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function analyseCustomer(record: CustomerRecord, snapshot: PopulationSnapshot, asOf: Date, settings: AnalyticsSettings, currency: CurrencyCode): CustomerAnalysis {
  const facts = historyAsOf(record.history, asOf, currency);
  const reporting = facts.money[currency];
  const netRevenueMinor = reporting?.netMinor ?? 0;
  const otherCurrencies = Object.entries(facts.money)
    .filter(([key]) => key !== currency)
    .map(([, totals]) => totals)
    .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));

  // Documents written before the field existed have no decision: never asked.
  const profilingConsent = record.profilingConsent ?? null;
  const profiling = profilingAllowed(profilingConsent);

  let rfm: CustomerAnalysis['rfm'] = null;
  if (profiling && facts.lastPurchaseAt !== null) {
    const values: RfmValues = { recencyDays: recencyDays(facts.lastPurchaseAt, asOf), frequency: facts.orders, monetaryMinor: netRevenueMinor };
    // Ranked as the snapshot measured everyone: recency at the snapshot's own date.
    const scores = scoreRfm({ ...values, recencyDays: recencyDays(facts.lastPurchaseAt, new Date(snapshot.asOf)) }, snapshot.rfm);
    rfm = { ...values, ...scores, population: snapshot.rfm.population };
  }

  let model: CustomerModelFigures | null = null;
  let clv: CustomerAnalysis['clv'] = null;
  let risk: ChurnRisk | null = null;
  const bgNbd = snapshot.bgNbd?.parameters;
  if (profiling && facts.model !== null && bgNbd) {
    const inputs = facts.model;
    const summary: BgNbdCustomer = { x: inputs.repeatPurchaseDays, tx: inputs.recencyDays, T: inputs.ageDays };
    const pAlive = probabilityAlive(bgNbd, summary);
    const gg = snapshot.gammaGamma?.parameters;
    const spend = gg && (reporting?.orders ?? 0) > 0 ? expectedSpend(gg, inputs.repeatSpendDays, inputs.meanRepeatSpendMinor ?? 0) : null;
    model = {
      pAlive: round(pAlive, 4),
      expectedPurchases: { horizonDays: settings.horizonDays, value: round(expectedPurchases(bgNbd, summary, settings.horizonDays), 4) },
      expectedAverageOrderValueMinor: spend === null ? null : Math.round(spend),
    };
    if (spend !== null) clv = { ...predictedClv(bgNbd, summary, spend, settings), currency };
    risk = churnRisk({
      pAlive,
      pNoPurchase: probabilityNoPurchase(bgNbd, summary, settings.horizonDays),
      horizonDays: settings.horizonDays,
      openTickets: facts.openTickets,
      npsLastClass: facts.npsLastBand,
    });
  }

  return {
    customerId: record.customerId,
    name: record.name,
    email: record.email,
    country: record.country,
    asOf: asOf.toISOString(),
    orders: facts.orders,
    currency,
    exponent: minorUnitExponent(currency),
    currencyOrders: reporting?.orders ?? 0,
    grossMinor: reporting?.grossMinor ?? 0,
    refundedMinor: reporting?.refundedMinor ?? 0,
    netRevenueMinor,
    otherCurrencies,
    firstPurchaseAt: facts.firstPurchaseAt,
    lastPurchaseAt: facts.lastPurchaseAt,
    openTickets: facts.openTickets,
    npsLast: facts.npsLast,
    profilingConsent,
    rfm,
    modelInputs: facts.model === null ? null : { ...facts.model, meanRepeatSpendMinor: facts.model.meanRepeatSpendMinor === null ? null : round(facts.model.meanRepeatSpendMinor, 2) },
    model,
    clv,
    churnRisk: risk,
    population: { asOf: snapshot.asOf, computedAt: snapshot.computedAt, buyers: snapshot.buyers },
  };
}

/**
 * A buyer's contribution to a population snapshot as of `asOf`; null when not registered by then,
 * without an order by then, or without their consent to profiling (fitting and ranking on their data
 * would profile them).
 */
export function populationMemberOf(
  record: Pick<CustomerRecord, 'history' | 'profilingConsent'> & {
    /** The registration's business time; null while not registered. */
    readonly registeredAt: string | null;
  },
  asOf: Date, currency: CurrencyCode) {
  if (!registeredBy(record.registeredAt, asOf)) return null;
  if (!profilingAllowed(record.profilingConsent)) return null;
  const history = record.history;
  const facts = historyAsOf(history, asOf, currency);
  if (facts.model === null || facts.lastPurchaseAt === null) return null;
  return {
    rfm: { recencyDays: recencyDays(facts.lastPurchaseAt, asOf), frequency: facts.orders, monetaryMinor: facts.money[currency]?.netMinor ?? 0 },
    model: facts.model,
  };
}
