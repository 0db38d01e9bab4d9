// The `customerAnalytics` read model: one document per customer (id = customerId) with the dated
// facts per-customer analytics are computed from, as of any observation date (`history`, see
// ../domain/customer-history.ts), and the current totals for filters and for analysts reading MongoDB.
// Scores, model figures and churn depend on the observation date and on the population, so the
// query side computes them (../domain/customer-analysis.ts) against a population snapshot.
import type { ReadDocument } from '@app/read-store';
import type { NpsClass } from '@app/customer-view';
import type { CustomerHistory } from '../domain/customer-history';

export const CUSTOMER_ANALYTICS_COLLECTION = 'customerAnalytics';

/**
 * The money of one currency, in its minor units. Keyed in `money` like customer360's
 * `purchases.byCurrency`: the ISO code, or `?XYZ` (exponent null) for an unrecognised legacy code.
 */
export type CurrencyMoney = {
  readonly currency: string;
  readonly exponent: number | null;
  readonly orders: number;
  readonly grossMinor: number;
  readonly refundedMinor: number;
  /** grossMinor − refundedMinor. */
  readonly netMinor: number;
};

export type CustomerAnalyticsFields = {
  readonly customerId: string;
  /** False while only other streams' events were seen. */
  readonly registered: boolean;
  /**
   * The registration's business time (UTC ISO-8601); null while not registered. Every read as of an
   * observation date counts the customer only from then on (see ../domain/customer-history.ts).
   */
  readonly registeredAt: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  /** "First Last". */
  readonly name: string;
  readonly email: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string | null;
  /** Orders in every currency, all time (a count: recency, frequency and churn are not money). */
  readonly orders: number;
  /** Money per currency, all time. */
  readonly money: Readonly<Record<string, CurrencyMoney>>;
  readonly firstPurchaseAt: string | null;
  readonly lastPurchaseAt: string | null;
  /** Latest NPS answer by business time. */
  readonly npsLast: number | null;
  readonly npsLastAt: string | null;
  readonly npsLastClass: NpsClass | null;
  /** Tickets open now (resolved ones awaiting closure are not open). */
  readonly openTickets: number;
  /**
   * Every order, refund, NPS answer and ticket status change with its business time, oldest first:
   * what the figures as of an earlier date are computed from. Orders and refunds keep their
   * currency key and minor units; nothing is ever dropped (a customer's document grows with their
   * orders, ~100 bytes each).
   */
  readonly history: CustomerHistory;
  /**
   * The customer's latest decision on the `profiling` consent purpose; null while never asked. Only
   * `true` lets the query side compute RFM, CLV and churn risk for them or rank them in RFM.
   */
  readonly profilingConsent: boolean | null;
  /** Forgotten (right to erasure): names and email read `[forgotten]`, the figures stay. */
  readonly forgotten: boolean;
};

export type CustomerAnalyticsDocument = CustomerAnalyticsFields & ReadDocument;
