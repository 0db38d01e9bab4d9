// Assembles the CustomerFacts a rule is evaluated against from the read models of other
// capabilities (customer360, customerAnalytics, loyaltyAccounts) and segments' own dated activity.
// `customerFactsFrom` is pure; `CustomerFactsReader` loads the documents for a page of customers.
import type { ReadStore } from '@app/read-store';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from '@app/customer-view';
import { CUSTOMER_ANALYTICS_COLLECTION, RfmPopulation, rfmValuesOf, type CustomerAnalyticsDocument } from '@app/analytics';
import type { CurrencyCode } from '@app/money';
import { LOYALTY_ACCOUNTS_COLLECTION, type LoyaltyAccountDocument } from '@app/loyalty';
import { emptyCustomerFacts, type CustomerFacts } from '../domain/segment-rule.evaluator';
import type { ConsentPurposeName } from '../domain/segment-rule';
import { SEGMENT_ACTIVITY_COLLECTION, type SegmentActivityDocument } from '../projections/segment-activity.projection';

export interface CustomerDocuments {
  readonly customer360?: Customer360Document;
  readonly analytics?: CustomerAnalyticsDocument;
  readonly loyalty?: LoyaltyAccountDocument;
  readonly activity?: SegmentActivityDocument;
}

/**
 * Pure: the facts of one customer. `rfm` is the population to rank against (null: no RFM needed),
 * its monetary values in `currency`, the reporting currency.
 */
export function customerFactsFrom(customerId: string, docs: CustomerDocuments, rfm: RfmPopulation | null, now: Date, currency: CurrencyCode): CustomerFacts {
  const base = emptyCustomerFacts(customerId);
  const c360 = docs.customer360;
  const analytics = docs.analytics;
  const consents: Partial<Record<ConsentPurposeName, boolean>> = {};
  for (const [purpose, state] of Object.entries(c360?.consents ?? {})) {
    if (state) consents[purpose as ConsentPurposeName] = state.granted;
  }
  const lastPurchaseAt = c360?.purchases.lastAt ?? analytics?.lastPurchaseAt ?? null;
  // RFM is profiling: scored only with the customer's profiling consent.
  const values = rfm && analytics && analytics.profilingConsent === true ? rfmValuesOf(analytics, currency, now) : null;
  const scores = rfm && values ? rfm.score(values) : null;
  return {
    ...base,
    birthDate: c360?.profile.birthDate ?? null,
    gender: c360?.profile.gender ?? null,
    country: c360?.profile.country ?? analytics?.country ?? null,
    city: c360?.profile.city ?? null,
    purchases: (docs.activity?.purchases ?? []).map((p) => ({ at: p.at, currency: p.currency, netMinor: p.netMinor, byCategory: Object.fromEntries(p.categories.map((c) => [c.category, c.amountMinor])) })),
    lastPurchaseAt,
    callTimes: docs.activity?.callTimes ?? [],
    ticketsOpen: c360?.tickets.open ?? analytics?.openTickets ?? 0,
    emailsOpened: c360?.emails.opened ?? 0,
    rfm: scores ? { r: scores.r, f: scores.f, m: scores.m } : null,
    loyaltyTier: docs.loyalty?.tier ?? null,
    npsClass: c360?.nps.lastClass ?? analytics?.npsLastClass ?? null,
    consents,
    forgotten: (c360?.forgottenAt ?? null) !== null || analytics?.forgotten === true,
  };
}

/** Loads facts from the read store, a page of customers at a time. */
export class CustomerFactsReader {
  /** `currency`: the reporting currency, in which RFM ranks money. */
  constructor(private readonly store: ReadStore, private readonly currency: CurrencyCode) {}

  /**
   * The RFM population: every customer with an order and their profiling consent. A full scan of
   * customerAnalytics, so callers load it once per evaluation run and only when a rule asks for RFM.
   */
  async rfmPopulation(now: Date): Promise<RfmPopulation> {
    const buyers = await this.store.find<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, { orders: { gt: 0 }, profilingConsent: true });
    return new RfmPopulation(buyers.flatMap((buyer) => rfmValuesOf(buyer, this.currency, now) ?? []));
  }

  async load(customerIds: readonly string[], rfm: RfmPopulation | null, now: Date): Promise<CustomerFacts[]> {
    const [c360, analytics, loyalty, activity] = await Promise.all([
      this.store.getMany<Customer360Document>(CUSTOMER_360_COLLECTION, customerIds),
      this.store.getMany<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, customerIds),
      this.store.getMany<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, customerIds),
      this.store.getMany<SegmentActivityDocument>(SEGMENT_ACTIVITY_COLLECTION, customerIds),
    ]);
    return customerIds.map((id) => customerFactsFrom(id, { customer360: c360.get(id), analytics: analytics.get(id), loyalty: loyalty.get(id), activity: activity.get(id) }, rfm, now, this.currency));
  }

  /** Every known customer (anyone with a 360 document), in id order, a page after `after`. */
  async customerIdsPage(after: string | null, limit: number): Promise<string[]> {
    // By the document id (= customerId), which every store indexes: paging by the customerId field
    // scanned and sorted the whole collection for each page (quadratic in the number of customers).
    const docs = await this.store.find<Customer360Document>(CUSTOMER_360_COLLECTION, after === null ? {} : { id: { gt: after } }, {
      sort: [{ field: 'id', direction: 'asc' }],
      limit,
    });
    return docs.map((doc) => doc.id);
  }
}
