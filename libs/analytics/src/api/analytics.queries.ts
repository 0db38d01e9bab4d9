// Queries over the analytics read models. Everything that depends on "now" (recency, CLV tenure,
// churn) or on the whole population (RFM ranks) is computed here, with the CLOCK provider's time.
// Money: KPIs list revenue per currency; per-customer figures, RFM monetary, CLV and the CSV are in
// REPORTING_CURRENCY, with a customer's money in other currencies listed apart (never converted:
// there are no exchange rates; never added). Recency, frequency and churn count every order.
// RFM ranks are recomputed per request from one aggregate over customerAnalytics (groupBy
// lastPurchaseAt/orders/netMinor: small rows, no documents loaded), so they are never stale; a
// periodic snapshot of cut points would only pay off at populations far beyond a few hundred thousand.
import { Inject, NotFoundException, Optional } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { Clock } from '@app/event-sourcing';
import { currencyOfKey, minorUnitExponent, type CurrencyCode } from '@app/money';
import { READ_STORE, type AggregateRow, type Filter, type ReadStore } from '@app/read-store';
import { CHRONICLE_CONFIG, ChronicleConfig, CLOCK, PROJECTION_PROGRESS, waitUntilCaughtUp, type ProjectionProgress } from '@app/platform';
import { DAILY_KPIS_COLLECTION, DAILY_MEASURE_FIELDS, INTERACTION_KINDS, type InteractionKind } from '../projections/daily-kpis.document';
import { CUSTOMER_ANALYTICS_COLLECTION, type CustomerAnalyticsDocument, type CustomerAnalyticsFields } from '../projections/customer-analytics.document';
import { recencyDays, rfmDistribution, RfmPopulation, type RfmDistribution, type RfmScores, type RfmValues } from '../metrics/rfm';
import { customerLifetimeValue, type ClvParameters, type ClvResult } from '../metrics/clv';
import { churnRisk, type ChurnRisk } from '../metrics/churn-risk';
import { mean, netPromoterScore, percent } from '../metrics/service-metrics';
import { csvLine } from '../metrics/csv-line';
import { ANALYTICS_CONFIG, AnalyticsConfig, clvParameters } from './analytics-config';

export type Dimension = 'day' | 'channel';

/** What a read answers besides its data: whether it is known to include `minPosition`. */
export interface Consistency {
  readonly consistent: boolean;
}

export interface CurrencyRevenue {
  /** ISO 4217 code; for an unrecognised legacy code (exponent null), the code as recorded. */
  readonly currency: string;
  /** Digits of the minor unit; null for an unrecognised legacy code (amounts as recorded). */
  readonly exponent: number | null;
  readonly orders: number;
  readonly revenueMinor: number;
  readonly refundsMinor: number;
  readonly netMinor: number;
  /** round(revenueMinor / orders), gross of refunds; null without orders. */
  readonly averageOrderValueMinor: number | null;
}

export interface KpiGroup {
  readonly day?: string;
  readonly channel?: string;
  readonly orders: number;
  /** Per currency: sums across currencies mean nothing. */
  readonly revenue: readonly CurrencyRevenue[];
  readonly interactions: number;
  readonly interactionsByKind: Readonly<Record<InteractionKind, number>>;
}

export interface KpiReport {
  readonly from: string;
  readonly to: string;
  readonly groupBy: readonly Dimension[];
  readonly groups: readonly KpiGroup[];
  readonly totals: KpiGroup;
}

export class GetKpis extends Query<KpiReport & Consistency> {
  constructor(readonly from: string, readonly to: string, readonly groupBy: readonly Dimension[], readonly minPosition?: number) {
    super();
  }
}

export interface ServiceGroup {
  readonly day?: string;
  readonly channel?: string;
  readonly nps: { answers: number; promoters: number; passives: number; detractors: number; score: number | null };
  /** score: % of answers scoring 4–5. */
  readonly csat: { answers: number; satisfied: number; score: number | null };
  /** Rates are % of tickets resolved (first resolution) in the period. */
  readonly tickets: {
    opened: number;
    resolved: number;
    firstResponses: number;
    meanFirstResponseMinutes: number | null;
    firstResponseBreaches: number;
    firstResponseBreachRate: number | null;
    meanResolutionMinutes: number | null;
    resolutionBreaches: number;
    resolutionBreachRate: number | null;
    firstContactResolutions: number;
    firstContactResolutionRate: number | null;
  };
}

export interface ServiceReport {
  readonly from: string;
  readonly to: string;
  readonly groupBy: readonly Dimension[];
  readonly groups: readonly ServiceGroup[];
  readonly totals: ServiceGroup;
}

export class GetServiceMetrics extends Query<ServiceReport & Consistency> {
  constructor(readonly from: string, readonly to: string, readonly groupBy: readonly Dimension[], readonly minPosition?: number) {
    super();
  }
}

export type RfmDistributionReport = RfmDistribution & { readonly asOf: string };

export class GetRfmDistribution extends Query<RfmDistributionReport & Consistency> {
  constructor(readonly minPosition?: number) {
    super();
  }
}

/** A customer's money in one currency, minor units. */
export interface CurrencyFigures {
  readonly currency: string;
  /** Null for an unrecognised legacy code (amounts as recorded). */
  readonly exponent: number | null;
  readonly orders: number;
  readonly grossMinor: number;
  readonly refundedMinor: number;
  readonly netMinor: number;
}

export interface CustomerAnalyticsView {
  readonly customerId: string;
  readonly name: string;
  readonly email: string | null;
  readonly country: string | null;
  /** Orders in every currency. */
  readonly orders: number;
  /** REPORTING_CURRENCY: grossMinor, refundedMinor, netRevenueMinor, RFM monetary and CLV are in it. */
  readonly currency: CurrencyCode;
  readonly exponent: number;
  /** Orders in the reporting currency. */
  readonly currencyOrders: number;
  readonly grossMinor: number;
  readonly refundedMinor: number;
  readonly netRevenueMinor: number;
  /** The customer's money in every other currency, kept apart: not converted, not in RFM or CLV. */
  readonly otherCurrencies: readonly CurrencyFigures[];
  readonly firstPurchaseAt: string | null;
  readonly lastPurchaseAt: string | null;
  readonly openTickets: number;
  readonly npsLast: number | null;
  /**
   * The customer's latest decision on the `profiling` consent (null: never asked). RFM, CLV and
   * churn risk are profiling: they are computed only when it is true, and null otherwise.
   */
  readonly profilingConsent: boolean | null;
  /** Null without orders or without profiling consent. */
  readonly rfm: (RfmValues & RfmScores & { readonly population: number }) | null;
  /** Null without profiling consent. */
  readonly clv: (ClvResult & { readonly currency: CurrencyCode; readonly parameters: ClvParameters }) | null;
  /** Null without orders or without profiling consent. */
  readonly churnRisk: ChurnRisk | null;
  /** The "now" recency, tenure and churn were measured at. */
  readonly asOf: string;
}

export class GetCustomerAnalytics extends Query<{ view: CustomerAnalyticsView } & Consistency> {
  constructor(readonly customerId: string, readonly minPosition?: number) {
    super();
  }
}

/** Filters of the CSV export; every bound is inclusive, every filter optional. */
export interface CustomerExportFilter {
  readonly country?: string;
  readonly rMin?: number;
  readonly rMax?: number;
  readonly fMin?: number;
  readonly fMax?: number;
  readonly mMin?: number;
  readonly mMax?: number;
  readonly minRecencyDays?: number;
  readonly maxRecencyDays?: number;
  readonly minChurnRisk?: number;
}

/** The money columns name REPORTING_CURRENCY and say they are minor units: `netRevenueMinorEUR`. */
export function customerCsvHeader(currency: CurrencyCode): readonly string[] {
  return ['customerId', 'name', 'email', 'country', 'orders', `netRevenueMinor${currency}`, 'R', 'F', 'M', `clvMinor${currency}`, 'churnRisk', 'otherCurrenciesNetMinor'];
}

export class ExportCustomers extends Query<{ lines: AsyncIterable<string> }> {
  constructor(readonly filter: CustomerExportFilter) {
    super();
  }
}

abstract class AnalyticsQuery {
  @Inject(READ_STORE) protected readonly store!: ReadStore;
  @Inject(CHRONICLE_CONFIG) protected readonly config!: ChronicleConfig;
  @Inject(CLOCK) protected readonly clock!: Clock;
  @Optional() @Inject(PROJECTION_PROGRESS) protected readonly progress?: ProjectionProgress;

  /**
   * Aggregates over many documents cannot be checked against a position, so they wait on this
   * process's projector; without one in process the answer says it is not known to be consistent.
   */
  protected caughtUp(minPosition: number | undefined, check: () => Promise<boolean> = async () => false): Promise<boolean> {
    return waitUntilCaughtUp(minPosition, check, this.progress, this.config.READ_WAIT_TIMEOUT_MS);
  }
}

function dayRange(from: string, to: string): Filter {
  return { day: { gte: from, lte: to } };
}

function keyOf(row: AggregateRow, groupBy: readonly Dimension[]): { day?: string; channel?: string } {
  const key: { day?: string; channel?: string } = {};
  for (const dimension of groupBy) key[dimension] = String(row.key[dimension]);
  return key;
}

function groupId(row: AggregateRow, groupBy: readonly Dimension[]): string {
  return groupBy.map((dimension) => String(row.key[dimension])).join('\u0000');
}

/** Folds aggregate rows (one per group and currency) into KPI groups. */
export function kpiGroups(rows: readonly AggregateRow[], groupBy: readonly Dimension[]): KpiGroup[] {
  const groups = new Map<string, { key: { day?: string; channel?: string }; rows: AggregateRow[] }>();
  for (const row of rows) {
    const id = groupId(row, groupBy);
    const group = groups.get(id) ?? { key: keyOf(row, groupBy), rows: [] };
    group.rows.push(row);
    groups.set(id, group);
  }
  return [...groups.values()].map(({ key, rows: groupRows }) => {
    const sum = (field: string) => groupRows.reduce((total, row) => total + (row.sums[field] ?? 0), 0);
    const revenue: CurrencyRevenue[] = groupRows
      .filter((row) => row.key['currency'] !== null && row.key['currency'] !== undefined)
      .map((row) => {
        const orders = row.sums['orders'] ?? 0;
        const revenueMinor = row.sums['revenueMinor'] ?? 0;
        const refundsMinor = row.sums['refundsMinor'] ?? 0;
        const currency = currencyOfKey(String(row.key['currency']));
        return {
          currency: currency.code,
          exponent: currency.exponent,
          orders,
          revenueMinor,
          refundsMinor,
          netMinor: revenueMinor - refundsMinor,
          averageOrderValueMinor: orders > 0 ? Math.round(revenueMinor / orders) : null,
        };
      })
      .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : (a.exponent ?? -1) - (b.exponent ?? -1)));
    const byKind = Object.fromEntries(INTERACTION_KINDS.map((kind) => [kind, sum(`kinds.${kind}`)])) as Record<InteractionKind, number>;
    return { ...key, orders: sum('orders'), revenue, interactions: sum('interactions'), interactionsByKind: byKind };
  });
}

export function serviceGroup(row: AggregateRow, groupBy: readonly Dimension[]): ServiceGroup {
  const s = (field: string) => row.sums[field] ?? 0;
  const resolved = s('tickets.resolved');
  return {
    ...keyOf(row, groupBy),
    nps: {
      answers: s('nps.count'),
      promoters: s('nps.promoters'),
      passives: s('nps.passives'),
      detractors: s('nps.detractors'),
      score: netPromoterScore(s('nps.promoters'), s('nps.detractors'), s('nps.count')),
    },
    csat: { answers: s('csat.count'), satisfied: s('csat.satisfied'), score: percent(s('csat.satisfied'), s('csat.count')) },
    tickets: {
      opened: s('tickets.opened'),
      resolved,
      firstResponses: s('tickets.firstResponses'),
      meanFirstResponseMinutes: mean(s('tickets.firstResponseMinutes'), s('tickets.firstResponses')),
      firstResponseBreaches: s('tickets.firstResponseBreaches'),
      firstResponseBreachRate: percent(s('tickets.firstResponseBreaches'), resolved),
      meanResolutionMinutes: mean(s('tickets.resolutionMinutes'), resolved),
      resolutionBreaches: s('tickets.resolutionBreaches'),
      resolutionBreachRate: percent(s('tickets.resolutionBreaches'), resolved),
      firstContactResolutions: s('tickets.firstContactResolutions'),
      firstContactResolutionRate: percent(s('tickets.firstContactResolutions'), resolved),
    },
  };
}

const EMPTY_ROW: AggregateRow = { key: {}, count: 0, sums: {} };

/** Groups by day, then channel: MongoDB's $group does not promise an order. */
function byDayThenChannel(a: { day?: string; channel?: string }, b: { day?: string; channel?: string }): number {
  const x = `${a.day ?? ''}\u0000${a.channel ?? ''}`;
  const y = `${b.day ?? ''}\u0000${b.channel ?? ''}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

@QueryHandler(GetKpis)
export class GetKpisHandler extends AnalyticsQuery implements IQueryHandler<GetKpis> {
  async execute({ from, to, groupBy, minPosition }: GetKpis): Promise<KpiReport & Consistency> {
    const consistent = await this.caughtUp(minPosition);
    const sums = DAILY_MEASURE_FIELDS;
    const rows = await this.store.aggregate(DAILY_KPIS_COLLECTION, dayRange(from, to), { groupBy: [...groupBy, 'currency'], sum: sums });
    const totalRows = await this.store.aggregate(DAILY_KPIS_COLLECTION, dayRange(from, to), { groupBy: ['currency'], sum: sums });
    const totals = kpiGroups(totalRows.length > 0 ? totalRows : [EMPTY_ROW], [])[0];
    return { from, to, groupBy, groups: kpiGroups(rows, groupBy).sort(byDayThenChannel), totals, consistent };
  }
}

const SERVICE_FIELDS = DAILY_MEASURE_FIELDS.filter((field) => /^(nps|csat|tickets)\./.test(field));

@QueryHandler(GetServiceMetrics)
export class GetServiceMetricsHandler extends AnalyticsQuery implements IQueryHandler<GetServiceMetrics> {
  async execute({ from, to, groupBy, minPosition }: GetServiceMetrics): Promise<ServiceReport & Consistency> {
    const consistent = await this.caughtUp(minPosition);
    // Only rows that carry service measures: surveys, ticket openings and resolutions.
    const filter: Filter = { and: [dayRange(from, to), { rowKind: { in: ['activity', 'ticket-opened', 'ticket-resolved'] } }] };
    const rows = await this.store.aggregate(DAILY_KPIS_COLLECTION, filter, { groupBy, sum: SERVICE_FIELDS });
    const [total] = await this.store.aggregate(DAILY_KPIS_COLLECTION, filter, { groupBy: [], sum: SERVICE_FIELDS });
    const groups = rows
      .map((row) => serviceGroup(row, groupBy))
      .filter((g) => g.nps.answers + g.csat.answers + g.tickets.opened + g.tickets.resolved > 0)
      .sort(byDayThenChannel);
    return { from, to, groupBy, groups, totals: serviceGroup(total ?? EMPTY_ROW, []), consistent };
  }
}

/** Where a customer's net revenue in `currency` is in a customerAnalytics document. */
function netMinorPath(currency: CurrencyCode): string {
  return `money.${currency}.netMinor`;
}

/**
 * The RFM values of every customer with an order who gave their profiling consent (ranking the
 * others would profile them), from one aggregate (no documents loaded). Any order makes a customer
 * part of the population; monetary is the net revenue in `currency` (0 for a customer who only
 * bought in others).
 */
export async function loadRfmValues(store: ReadStore, now: Date, currency: CurrencyCode): Promise<RfmValues[]> {
  const net = netMinorPath(currency);
  const rows = await store.aggregate(CUSTOMER_ANALYTICS_COLLECTION, { orders: { gt: 0 }, profilingConsent: true }, { groupBy: ['lastPurchaseAt', 'orders', net] });
  const values: RfmValues[] = [];
  for (const row of rows) {
    const value = {
      recencyDays: recencyDays(String(row.key['lastPurchaseAt']), now),
      frequency: Number(row.key['orders']),
      monetaryMinor: Number(row.key[net] ?? 0),
    };
    for (let i = 0; i < row.count; i++) values.push(value);
  }
  return values;
}

/** One customer's RFM values, monetary in `currency`; null without orders. */
export function rfmValuesOf(doc: CustomerAnalyticsFields, currency: CurrencyCode, now: Date): RfmValues | null {
  if (doc.orders === 0 || doc.lastPurchaseAt === null) return null;
  return { recencyDays: recencyDays(doc.lastPurchaseAt, now), frequency: doc.orders, monetaryMinor: doc.money[currency]?.netMinor ?? 0 };
}

@QueryHandler(GetRfmDistribution)
export class GetRfmDistributionHandler extends AnalyticsQuery implements IQueryHandler<GetRfmDistribution> {
  async execute({ minPosition }: GetRfmDistribution): Promise<RfmDistributionReport & Consistency> {
    const consistent = await this.caughtUp(minPosition);
    const now = this.clock.now();
    return { ...rfmDistribution(await loadRfmValues(this.store, now, this.config.REPORTING_CURRENCY)), asOf: now.toISOString(), consistent };
  }
}

/**
 * Everything the API says about one customer, given the population, "now" and the reporting
 * currency. Without their profiling consent the figures from events (orders, revenue, tickets, NPS)
 * are there, the scores that profile them (RFM, CLV, churn risk) are null.
 */
export function analyseCustomer(doc: CustomerAnalyticsDocument, population: RfmPopulation, now: Date, parameters: ClvParameters, currency: CurrencyCode): CustomerAnalyticsView {
  // Documents written before the field existed have no decision: never asked.
  const profilingConsent = doc.profilingConsent ?? null;
  const profiling = profilingConsent === true;
  const values = profiling ? rfmValuesOf(doc, currency, now) : null;
  const rfm: CustomerAnalyticsView['rfm'] = values === null ? null : { ...values, ...population.score(values), population: population.size };
  const reporting = doc.money[currency];
  const netRevenueMinor = reporting?.netMinor ?? 0;
  const otherCurrencies: CurrencyFigures[] = Object.entries(doc.money)
    .filter(([key]) => key !== currency)
    .map(([key, money]) => ({ currency: currencyOfKey(key).code, exponent: money.exponent, orders: money.orders, grossMinor: money.grossMinor, refundedMinor: money.refundedMinor, netMinor: money.netMinor }))
    .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
  return {
    customerId: doc.customerId,
    name: doc.name,
    email: doc.email,
    country: doc.country,
    orders: doc.orders,
    currency,
    exponent: minorUnitExponent(currency),
    currencyOrders: reporting?.orders ?? 0,
    grossMinor: reporting?.grossMinor ?? 0,
    refundedMinor: reporting?.refundedMinor ?? 0,
    netRevenueMinor,
    otherCurrencies,
    firstPurchaseAt: doc.firstPurchaseAt,
    lastPurchaseAt: doc.lastPurchaseAt,
    openTickets: doc.openTickets,
    npsLast: doc.npsLast,
    profilingConsent,
    rfm,
    // Tenure counts from the first order in any currency: it measures the relationship, not the money.
    clv: profiling ? { ...customerLifetimeValue(netRevenueMinor, doc.firstPurchaseAt, now, parameters), currency, parameters } : null,
    churnRisk: profiling
      ? churnRisk({
          purchaseTimes: doc.purchases.map((p) => p.at),
          lastPurchaseAt: doc.lastPurchaseAt,
          openTickets: doc.openTickets,
          npsLastClass: doc.npsLastClass,
          now,
        })
      : null,
    asOf: now.toISOString(),
  };
}

@QueryHandler(GetCustomerAnalytics)
export class GetCustomerAnalyticsHandler extends AnalyticsQuery implements IQueryHandler<GetCustomerAnalytics> {
  @Inject(ANALYTICS_CONFIG) private readonly analytics!: AnalyticsConfig;

  async execute({ customerId, minPosition }: GetCustomerAnalytics): Promise<{ view: CustomerAnalyticsView } & Consistency> {
    const consistent = await this.caughtUp(minPosition, async () =>
      ((await this.store.get(CUSTOMER_ANALYTICS_COLLECTION, customerId))?.lastPosition ?? 0) >= (minPosition ?? 0),
    );
    const doc = await this.store.get<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, customerId);
    // Its own read model knows whether the customer registered: facts seen before a registration are not a customer.
    if (!doc || !doc.registered) throw new NotFoundException(`Customer ${customerId} not found`);
    const now = this.clock.now();
    const currency = this.config.REPORTING_CURRENCY;
    const population = new RfmPopulation(await loadRfmValues(this.store, now, currency));
    return { view: analyseCustomer(doc, population, now, clvParameters(this.analytics), currency), consistent };
  }
}

/** True when the analysed customer passes every given filter. */
export function matchesExportFilter(view: CustomerAnalyticsView, filter: CustomerExportFilter): boolean {
  const within = (value: number | undefined, min: number | undefined, max: number | undefined) =>
    (min === undefined && max === undefined) || (value !== undefined && (min === undefined || value >= min) && (max === undefined || value <= max));
  const { rfm } = view;
  return (
    within(rfm?.r, filter.rMin, filter.rMax) &&
    within(rfm?.f, filter.fMin, filter.fMax) &&
    within(rfm?.m, filter.mMin, filter.mMax) &&
    within(rfm?.recencyDays, filter.minRecencyDays, filter.maxRecencyDays) &&
    within(view.churnRisk?.score, filter.minChurnRisk, undefined)
  );
}

/** `USD:400 XYZ(unrecognised):650`: other currencies' net revenue, each in its own minor units. */
function otherCurrenciesCell(view: CustomerAnalyticsView): string | null {
  if (view.otherCurrencies.length === 0) return null;
  return view.otherCurrencies.map((other) => `${other.currency}${other.exponent === null ? '(unrecognised)' : ''}:${other.netMinor}`).join(' ');
}

export function customerCsvLine(view: CustomerAnalyticsView): string {
  return csvLine([
    view.customerId, view.name, view.email, view.country, view.orders, view.netRevenueMinor,
    view.rfm?.r ?? null, view.rfm?.f ?? null, view.rfm?.m ?? null, view.clv?.valueMinor ?? null, view.churnRisk?.score ?? null, otherCurrenciesCell(view),
  ]);
}

const EXPORT_PAGE_SIZE = 500;

@QueryHandler(ExportCustomers)
export class ExportCustomersHandler extends AnalyticsQuery implements IQueryHandler<ExportCustomers> {
  @Inject(ANALYTICS_CONFIG) private readonly analytics!: AnalyticsConfig;

  async execute({ filter }: ExportCustomers): Promise<{ lines: AsyncIterable<string> }> {
    const now = this.clock.now();
    const currency = this.config.REPORTING_CURRENCY;
    const population = new RfmPopulation(await loadRfmValues(this.store, now, currency));
    const parameters = clvParameters(this.analytics);
    const store = this.store;
    async function* lines(): AsyncGenerator<string> {
      yield csvLine(customerCsvHeader(currency));
      let after: string | null = null;
      for (;;) {
        // Keyset paging on customerId: stable under concurrent writes, unlike skip.
        const conditions: Filter[] = [{ registered: true }];
        if (filter.country !== undefined) conditions.push({ country: filter.country.toUpperCase() });
        if (after !== null) conditions.push({ customerId: { gt: after } });
        const page = await store.find<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, { and: conditions }, {
          sort: [{ field: 'customerId', direction: 'asc' }],
          limit: EXPORT_PAGE_SIZE,
        });
        for (const doc of page) {
          const view = analyseCustomer(doc, population, now, parameters, currency);
          if (matchesExportFilter(view, filter)) yield customerCsvLine(view);
        }
        if (page.length < EXPORT_PAGE_SIZE) return;
        after = page[page.length - 1].customerId;
      }
    }
    return { lines: lines() };
  }
}
