// Assembles the CustomerFacts a rule is evaluated against from the read models of other
// capabilities (customer360, customerAnalytics, loyaltyAccounts) and segments' own dated activity.
// `customerFactsFrom` is pure; `CustomerFactsReader` loads the documents for a page of customers.
import type { ReadStore } from '@app/read-store';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from '@app/customer-view';
import {
  analyseCustomer, analyticsSettings, CUSTOMER_ANALYTICS_COLLECTION, customerRecordOf, loadAnalyticsConfig, PopulationSnapshots, profilingAllowed, recencyDays, rfmCutPoints, scoreRfm,
  type AnalyticsSettings, type CustomerAnalyticsDocument, type PopulationSnapshot, type RfmCutPoints, type RfmValues,
} from '@app/analytics';
import { systemClock, type Clock } from '@app/event-sourcing';
import type { CurrencyCode } from '@app/money';
import { LOYALTY_ACCOUNTS_COLLECTION, type LoyaltyAccountDocument } from '@app/loyalty';
import { emptyCustomerFacts, type CustomerFacts, type ModelFacts } from '../domain/segment-rule.evaluator';
import type { ConsentPurposeName } from '../domain/segment-rule';
import { SEGMENT_ACTIVITY_COLLECTION, type SegmentActivityDocument } from '../projections/segment-activity.projection';

export interface CustomerDocuments {
  readonly customer360?: Customer360Document;
  readonly analytics?: CustomerAnalyticsDocument;
  readonly loyalty?: LoyaltyAccountDocument;
  readonly activity?: SegmentActivityDocument;
}

/** What population-wide figures an evaluation needs; null where no rule asks for them. */
export interface PopulationContext {
  /** RFM cut points of every buyer now, monetary in the reporting currency. */
  readonly rfm: RfmCutPoints | null;
  /** The latest population snapshot (fitted models) and the analytics settings. */
  readonly model: { readonly snapshot: PopulationSnapshot; readonly settings: AnalyticsSettings } | null;
}

export const NO_POPULATION: PopulationContext = { rfm: null, model: null };

/** A customer's classic RFM values now, monetary in `currency`; null without orders. */
export function rfmValuesOf(doc: CustomerAnalyticsDocument, currency: CurrencyCode, now: Date): RfmValues | null {
  if (doc.orders === 0 || doc.lastPurchaseAt === null) return null;
  return { recencyDays: recencyDays(doc.lastPurchaseAt, now), frequency: doc.orders, monetaryMinor: doc.money[currency]?.netMinor ?? 0 };
}

function modelFactsOf(doc: CustomerAnalyticsDocument | undefined, population: PopulationContext, now: Date, currency: CurrencyCode): ModelFacts | null {
  if (!doc || population.model === null) return null;
  const analysed = analyseCustomer(customerRecordOf(doc), population.model.snapshot, now, population.model.settings, currency);
  if (analysed.model === null || analysed.churnRisk === null) return null;
  return { pAlive: analysed.model.pAlive, churnRisk: analysed.churnRisk.score, predictedClvMinor: analysed.clv?.valueMinor ?? null, currency };
}

/**
 * Pure: the facts of one customer. `population` holds what ranks and model figures need (null
 * parts: no rule asks for them), monetary values in `currency`, the reporting currency.
 */
export function customerFactsFrom(customerId: string, docs: CustomerDocuments, population: PopulationContext, now: Date, currency: CurrencyCode): CustomerFacts {
  const base = emptyCustomerFacts(customerId);
  const c360 = docs.customer360;
  const analytics = docs.analytics;
  const consents: Partial<Record<ConsentPurposeName, boolean>> = {};
  for (const [purpose, state] of Object.entries(c360?.consents ?? {})) {
    if (state) consents[purpose as ConsentPurposeName] = state.granted;
  }
  const lastPurchaseAt = c360?.purchases.lastAt ?? analytics?.lastPurchaseAt ?? null;
  // RFM and the model's figures are profiling: only with the customer's profiling consent (the
  // model's through analyseCustomer, which decides it for every surface).
  const values = population.rfm && analytics && profilingAllowed(analytics.profilingConsent) ? rfmValuesOf(analytics, currency, now) : null;
  const scores = population.rfm && values ? scoreRfm(values, population.rfm) : null;
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
    model: modelFactsOf(analytics, population, now, currency),
    loyaltyTier: docs.loyalty?.tier ?? null,
    npsClass: c360?.nps.lastClass ?? analytics?.npsLastClass ?? null,
    consents,
    forgotten: (c360?.forgottenAt ?? null) !== null || analytics?.forgotten === true,
  };
}

export interface CustomerFactsReaderOptions {
  /** For a population snapshot computed when none is stored yet (default the system clock). */
  readonly clock?: Clock;
  /** Horizon, margin and discount of the model's figures (default: ANALYTICS_* defaults). */
  readonly analytics?: AnalyticsSettings;
}

/** Loads facts from the read store, a page of customers at a time. */
export class CustomerFactsReader {
  private readonly snapshots: PopulationSnapshots;
  private readonly analytics: AnalyticsSettings;

  /** `currency`: the reporting currency, in which RFM ranks money and CLV is predicted. */
  constructor(private readonly store: ReadStore, private readonly currency: CurrencyCode, options: CustomerFactsReaderOptions = {}) {
    this.snapshots = new PopulationSnapshots(store, currency, options.clock ?? systemClock);
    this.analytics = options.analytics ?? analyticsSettings(loadAnalyticsConfig({}));
  }

  /**
   * What the rules need of the whole population: RFM cut points from a scan of every buyer who
   * consented to profiling (once per evaluation run, only when a rule asks for RFM), the latest
   * stored snapshot for the model's figures.
   */
  async population(now: Date, needs: { readonly rfm: boolean; readonly model: boolean }): Promise<PopulationContext> {
    return {
      rfm: needs.rfm ? await this.rfmCutPoints(now) : null,
      model: needs.model ? { snapshot: await this.snapshots.current(), settings: this.analytics } : null,
    };
  }

  private async rfmCutPoints(now: Date): Promise<RfmCutPoints> {
    const buyers = await this.store.find<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, { orders: { gt: 0 }, profilingConsent: true });
    return rfmCutPoints(buyers.flatMap((buyer) => rfmValuesOf(buyer, this.currency, now) ?? []));
  }

  async load(customerIds: readonly string[], population: PopulationContext, now: Date): Promise<CustomerFacts[]> {
    const [c360, analytics, loyalty, activity] = await Promise.all([
      this.store.getMany<Customer360Document>(CUSTOMER_360_COLLECTION, customerIds),
      this.store.getMany<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, customerIds),
      this.store.getMany<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, customerIds),
      this.store.getMany<SegmentActivityDocument>(SEGMENT_ACTIVITY_COLLECTION, customerIds),
    ]);
    return customerIds.map((id) => customerFactsFrom(id, { customer360: c360.get(id), analytics: analytics.get(id), loyalty: loyalty.get(id), activity: activity.get(id) }, population, now, this.currency));
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
