// The `customerAnalytics` read model: one document per customer (id = customerId) with what RFM,
// CLV and churn risk need. Scores themselves depend on "now" and on the whole population, so the
// query side computes them (see ../metrics); the document holds only facts from events.
import type { ReadDocument } from '@app/read-store';
import type { NpsClass } from '@app/customer-view';

export const CUSTOMER_ANALYTICS_COLLECTION = 'customerAnalytics';

/** Purchases remembered per customer (the latest by business time), for inter-purchase gaps. */
export const PURCHASES_KEPT = 100;

export type PurchaseEntry = {
  readonly orderId: string;
  /** Business time, UTC ISO-8601. */
  readonly at: string;
  /** Key of the order's currency in `money` (the ISO code, `?XYZ` for an unrecognised legacy code). */
  readonly currency: string;
  /** Order total minus its refunds so far, minor units of `currency`. */
  readonly netMinor: number;
};

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

/** A ticket not closed yet: `open` (also after a reopen) or `resolved` awaiting closure. */
export type TicketStatusEntry = { readonly ticketId: string; readonly status: 'open' | 'resolved' };

export type CustomerAnalyticsFields = {
  readonly customerId: string;
  /** False while only other streams' events were seen. */
  readonly registered: boolean;
  readonly firstName: string | null;
  readonly lastName: string | null;
  /** "First Last". */
  readonly name: string;
  readonly email: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string | null;
  /** Orders in every currency (a count: recency, frequency and churn are not money). */
  readonly orders: number;
  /** Money per currency; the query side reads REPORTING_CURRENCY's entry and lists the others apart. */
  readonly money: Readonly<Record<string, CurrencyMoney>>;
  readonly firstPurchaseAt: string | null;
  readonly lastPurchaseAt: string | null;
  /** The latest PURCHASES_KEPT purchases, oldest first. */
  readonly purchases: readonly PurchaseEntry[];
  /** Latest NPS answer by business time. */
  readonly npsLast: number | null;
  readonly npsLastAt: string | null;
  readonly npsLastClass: NpsClass | null;
  /** Tickets with status open now. */
  readonly openTickets: number;
  readonly tickets: readonly TicketStatusEntry[];
  /**
   * The customer's latest decision on the `profiling` consent purpose; null while never asked. Only
   * `true` lets the query side compute RFM, CLV and churn risk for them or rank them in RFM.
   */
  readonly profilingConsent: boolean | null;
  /** Forgotten (right to erasure): names and email read `[forgotten]`, the figures stay. */
  readonly forgotten: boolean;
};

export type CustomerAnalyticsDocument = CustomerAnalyticsFields & ReadDocument;
