// Queries over the analytics read models, every one as of an observation date (`asOf`, default the
// CLOCK's now): only facts with a business time at or before it count. KPIs and service figures sum
// the dailyKpis rows dated by then; per-customer figures come from the customer's dated history and
// a population snapshot of the same date (RFM cut points, fitted BG/NBD and Gamma-Gamma), so a
// request reads two documents instead of scanning the population (./population-snapshots.ts).
// Money: KPIs list revenue per currency; per-customer figures, RFM monetary, expected spend, CLV and
// the CSV are in REPORTING_CURRENCY, a customer's money in other currencies listed apart (never
// converted, never added). Recency, frequency, the model's purchase days and churn count every order.
import { Inject, Optional } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { refuse, type Clock } from '@app/event-sourcing';
import { currencyOfKey, type CurrencyCode } from '@app/money';
import { keysetPages, READ_STORE, type AggregateRow, type Filter, type ReadStore } from '@app/read-store';
import {
  CHRONICLE_CONFIG, ChronicleConfig, CLOCK, PROJECTION_PROGRESS, RequestValidationError, waitUntilCaughtUp, type ProjectionProgress,
} from '@app/platform';
import { DAILY_KPIS_COLLECTION, DAILY_MEASURE_FIELDS, COUNTED_KINDS, type CountedKind } from '../projections/daily-kpis.document';
import { CUSTOMER_ANALYTICS_COLLECTION, type CustomerAnalyticsDocument, type CustomerAnalyticsFields } from '../projections/customer-analytics.document';
import type { RfmDistribution } from '../domain/rfm';
import { analyseCustomer, type CustomerAnalysis, type CustomerRecord } from '../domain/customer-analysis';
import type { PopulationSnapshot } from '../domain/population-snapshot';
import { registeredBy } from '../domain/customer-history';
import { mean, netPromoterScore, percent } from '../metrics/service-metrics';
import { csvLine, type CsvValue } from '../metrics/csv-line';
import { ANALYTICS_CONFIG, AnalyticsConfig, analyticsSettings } from './analytics-config';
import type { PopulationSnapshots, StoredSnapshot } from './population-snapshots';

/** DI token of the PopulationSnapshots the handlers share. */
export const POPULATION_SNAPSHOTS = Symbol('PopulationSnapshots');

export type Dimension = 'day' | 'channel';

import type { Consistency } from '@app/platform';
export type { Consistency };

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
  readonly interactionsByKind: Readonly<Record<CountedKind, number>>;
}

export interface KpiReport {
  /** Facts dated after it are not counted. */
  readonly asOf: string;
  readonly from: string;
  readonly to: string;
  readonly groupBy: readonly Dimension[];
  readonly groups: readonly KpiGroup[];
  readonly totals: KpiGroup;
}

export class GetKpis extends Query<KpiReport & Consistency> {
  constructor(readonly from: string, readonly to: string, readonly groupBy: readonly Dimension[], readonly minPosition?: number, readonly asOf?: string) {
    super();
  }
}

export interface ServiceGroup {
  readonly day?: string;
  readonly channel?: string;
  readonly nps: { answers: number; promoters: number; passives: number; detractors: number; score: number | null };
  /** score: % of answers scoring 4–5. */
  readonly csat: { answers: number; satisfied: number; score: number | null };
  /**
   * Breach rates are % of tickets whose SLA was judged in the period (first resolved, or closed
   * without ever being resolved); the other rates are % of tickets resolved.
   */
  readonly tickets: {
    opened: number;
    resolved: number;
    /** Closed without ever being resolved: their SLA is judged at the close. */
    closedUnresolved: number;
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
  readonly asOf: string;
  readonly from: string;
  readonly to: string;
  readonly groupBy: readonly Dimension[];
  readonly groups: readonly ServiceGroup[];
  readonly totals: ServiceGroup;
}

export class GetServiceMetrics extends Query<ServiceReport & Consistency> {
  constructor(readonly from: string, readonly to: string, readonly groupBy: readonly Dimension[], readonly minPosition?: number, readonly asOf?: string) {
    super();
  }
}

export type RfmDistributionReport = RfmDistribution & {
  readonly asOf: string;
  /** When the snapshot the distribution comes from was computed. */
  readonly computedAt: string;
};

export class GetRfmDistribution extends Query<RfmDistributionReport & Consistency> {
  constructor(readonly minPosition?: number, readonly asOf?: string) {
    super();
  }
}

export type CustomerAnalyticsView = CustomerAnalysis;

export interface CustomerAnalyticsOptions {
  readonly asOf?: string;
  readonly horizonDays?: number;
  readonly minPosition?: number;
}

export class GetCustomerAnalytics extends Query<{ view: CustomerAnalyticsView } & Consistency> {
  constructor(readonly customerId: string, readonly options: CustomerAnalyticsOptions = {}) {
    super();
  }
}

/** The model snapshot of an observation date with its bookkeeping. */
export interface AnalyticsModelReport {
  readonly snapshot: PopulationSnapshot;
  /** The read models' position it saw. */
  readonly dataPosition: number;
}

export class GetAnalyticsModel extends Query<AnalyticsModelReport & Consistency> {
  constructor(readonly asOf?: string, readonly minPosition?: number) {
    super();
  }
}

/** Refits now (the on-demand route): the snapshot of `asOf`, or of now, computed afresh and stored. */
export class FitAnalyticsModel extends Query<AnalyticsModelReport & Consistency> {
  constructor(readonly asOf?: string, readonly minPosition?: number) {
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

/**
 * The export's columns, in their default order. Money columns carry "Minor" and the reporting
 * currency in their header (`netRevenueMinorEUR`: minor units of EUR, exponent 2). A cell is empty
 * only where the figure does not exist (see the README's column table): no email, no order (no
 * RFM, no model figures), no model fitted, no spend in the reporting currency.
 */
export const CSV_COLUMNS = [
  'customerId', 'name', 'email', 'country', 'orders', 'netRevenueMinor', 'R', 'F', 'M',
  'pAlive', 'expectedPurchases', 'expectedAverageOrderValueMinor', 'clvMinor', 'churnRisk', 'otherCurrenciesNetMinor',
  // Not in the default set: the raw RFM values and the model inputs.
  'recencyDays', 'frequency', 'firstPurchaseAt', 'lastPurchaseAt', 'repeatPurchaseDays', 'modelRecencyDays', 'ageDays', 'meanRepeatSpendMinor',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
export const DEFAULT_CSV_COLUMNS: readonly CsvColumn[] = CSV_COLUMNS.slice(0, CSV_COLUMNS.indexOf('otherCurrenciesNetMinor') + 1);
const MONEY_COLUMNS: ReadonlySet<CsvColumn> = new Set(['netRevenueMinor', 'expectedAverageOrderValueMinor', 'clvMinor', 'meanRepeatSpendMinor']);

export function csvHeaderOf(column: CsvColumn, currency: CurrencyCode): string {
  return MONEY_COLUMNS.has(column) ? `${column}${currency}` : column;
}

export interface CustomerExportOptions {
  readonly asOf?: string;
  readonly columns?: readonly CsvColumn[];
  /** Also the population snapshot is recomputed when it saw less (see PopulationSnapshots.asOf). */
  readonly minPosition?: number;
}

export class ExportCustomers extends Query<{ lines: AsyncIterable<string>; asOf: string } & Consistency> {
  constructor(readonly filter: CustomerExportFilter, readonly options: CustomerExportOptions = {}) {
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

  /** The observation date: the given instant (never in the future), or now. */
  protected observationDate(asOf: string | undefined): { date: Date; given: boolean } {
    const now = this.clock.now();
    if (asOf === undefined) return { date: now, given: false };
    const date = new Date(asOf);
    if (date.getTime() > now.getTime()) {
      throw new RequestValidationError([{ field: 'asOf', message: `asOf must not lie in the future (now is ${now.toISOString()})` }]);
    }
    return { date, given: true };
  }
}

/** Snapshot-backed queries: the population of the observation date. */
abstract class PopulationQuery extends AnalyticsQuery {
  @Inject(POPULATION_SNAPSHOTS) protected readonly snapshots!: PopulationSnapshots;

  /** Given a date, that date's snapshot; else the latest snapshot of "now". */
  protected population(asOf: { date: Date; given: boolean }, minPosition?: number): Promise<PopulationSnapshot> {
    return asOf.given ? this.snapshots.asOf(asOf.date, minPosition) : this.snapshots.current();
  }
}

function dayRange(from: string, to: string, asOf: Date): Filter {
  return { and: [{ day: { gte: from, lte: to } }, { at: { lte: asOf.toISOString() } }] };
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
    const byKind = Object.fromEntries(COUNTED_KINDS.map((kind) => [kind, sum(`kinds.${kind}`)])) as Record<CountedKind, number>;
    return { ...key, orders: sum('orders'), revenue, interactions: sum('interactions'), interactionsByKind: byKind };
  });
}

export function serviceGroup(row: AggregateRow, groupBy: readonly Dimension[]): ServiceGroup {
  const s = (field: string) => row.sums[field] ?? 0;
  const resolved = s('tickets.resolved');
  const judged = resolved + s('tickets.closedUnresolved');
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
      closedUnresolved: s('tickets.closedUnresolved'),
      firstResponses: s('tickets.firstResponses'),
      meanFirstResponseMinutes: mean(s('tickets.firstResponseMinutes'), s('tickets.firstResponses')),
      firstResponseBreaches: s('tickets.firstResponseBreaches'),
      firstResponseBreachRate: percent(s('tickets.firstResponseBreaches'), judged),
      meanResolutionMinutes: mean(s('tickets.resolutionMinutes'), resolved),
      resolutionBreaches: s('tickets.resolutionBreaches'),
      resolutionBreachRate: percent(s('tickets.resolutionBreaches'), judged),
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
  async execute({ from, to, groupBy, minPosition, asOf }: GetKpis): Promise<KpiReport & Consistency> {
    const { date } = this.observationDate(asOf);
    const consistent = await this.caughtUp(minPosition);
    const sums = DAILY_MEASURE_FIELDS;
    const rows = await this.store.aggregate(DAILY_KPIS_COLLECTION, dayRange(from, to, date), { groupBy: [...groupBy, 'currency'], sum: sums });
    const totalRows = await this.store.aggregate(DAILY_KPIS_COLLECTION, dayRange(from, to, date), { groupBy: ['currency'], sum: sums });
    const totals = kpiGroups(totalRows.length > 0 ? totalRows : [EMPTY_ROW], [])[0];
    return { asOf: date.toISOString(), from, to, groupBy, groups: kpiGroups(rows, groupBy).sort(byDayThenChannel), totals, consistent };
  }
}

const SERVICE_FIELDS = DAILY_MEASURE_FIELDS.filter((field) => /^(nps|csat|tickets)\./.test(field));
const FCR = 'tickets.firstContactResolutions';

/** Adds to each row the first-contact resolutions reopened only after the observation date. */
function withReopenedLater(rows: readonly AggregateRow[], later: readonly AggregateRow[], groupBy: readonly Dimension[]): AggregateRow[] {
  const extra = new Map(later.map((row) => [groupId(row, groupBy), row.sums['firstContactBeforeReopen'] ?? 0]));
  return rows.map((row) => {
    const add = extra.get(groupId(row, groupBy)) ?? 0;
    return add === 0 ? row : { ...row, sums: { ...row.sums, [FCR]: (row.sums[FCR] ?? 0) + add } };
  });
}

@QueryHandler(GetServiceMetrics)
export class GetServiceMetricsHandler extends AnalyticsQuery implements IQueryHandler<GetServiceMetrics> {
  async execute({ from, to, groupBy, minPosition, asOf }: GetServiceMetrics): Promise<ServiceReport & Consistency> {
    const { date } = this.observationDate(asOf);
    const consistent = await this.caughtUp(minPosition);
    // Only rows that carry service measures: surveys, ticket openings, resolutions and unresolved closes.
    const filter: Filter = { and: [dayRange(from, to, date), { rowKind: { in: ['activity', 'ticket-opened', 'ticket-resolved', 'ticket-closed'] } }] };
    // A resolution reopened after the observation date was still a first-contact one then.
    const reopenedLater: Filter = { and: [dayRange(from, to, date), { rowKind: 'ticket-resolved' }, { reopenedAt: { gt: date.toISOString() } }] };
    const rows = withReopenedLater(
      await this.store.aggregate(DAILY_KPIS_COLLECTION, filter, { groupBy, sum: SERVICE_FIELDS }),
      await this.store.aggregate(DAILY_KPIS_COLLECTION, reopenedLater, { groupBy, sum: ['firstContactBeforeReopen'] }),
      groupBy,
    );
    const [total] = withReopenedLater(
      await this.store.aggregate(DAILY_KPIS_COLLECTION, filter, { groupBy: [], sum: SERVICE_FIELDS }),
      await this.store.aggregate(DAILY_KPIS_COLLECTION, reopenedLater, { groupBy: [], sum: ['firstContactBeforeReopen'] }),
      [],
    );
    const groups = rows
      .map((row) => serviceGroup(row, groupBy))
      .filter((g) => g.nps.answers + g.csat.answers + g.tickets.opened + g.tickets.resolved + g.tickets.closedUnresolved > 0)
      .sort(byDayThenChannel);
    return { asOf: date.toISOString(), from, to, groupBy, groups, totals: serviceGroup(total ?? EMPTY_ROW, []), consistent };
  }
}

@QueryHandler(GetRfmDistribution)
export class GetRfmDistributionHandler extends PopulationQuery implements IQueryHandler<GetRfmDistribution> {
  async execute({ minPosition, asOf }: GetRfmDistribution): Promise<RfmDistributionReport & Consistency> {
    const date = this.observationDate(asOf);
    const consistent = await this.caughtUp(minPosition);
    const snapshot = await this.population(date, minPosition);
    return { ...snapshot.distribution, asOf: snapshot.asOf, computedAt: snapshot.computedAt, consistent };
  }
}

/** What analyseCustomer needs of a customerAnalytics document. */
export function customerRecordOf(doc: CustomerAnalyticsFields): CustomerRecord {
  return { customerId: doc.customerId, name: doc.name, email: doc.email, country: doc.country, profilingConsent: doc.profilingConsent ?? null, history: doc.history };
}

@QueryHandler(GetCustomerAnalytics)
export class GetCustomerAnalyticsHandler extends PopulationQuery implements IQueryHandler<GetCustomerAnalytics> {
  @Inject(ANALYTICS_CONFIG) private readonly analytics!: AnalyticsConfig;

  async execute({ customerId, options }: GetCustomerAnalytics): Promise<{ view: CustomerAnalyticsView } & Consistency> {
    const date = this.observationDate(options.asOf);
    const minPosition = options.minPosition;
    const consistent = await this.caughtUp(minPosition, async () =>
      ((await this.store.get(CUSTOMER_ANALYTICS_COLLECTION, customerId))?.lastPosition ?? 0) >= (minPosition ?? 0),
    );
    const doc = await this.store.get<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, customerId);
    // Its own read model knows whether and when the customer registered: facts seen before a registration are not a customer.
    if (!doc || !doc.registered) throw refuse.notFound(`Customer ${customerId} not found`, 'customerId');
    if (!registeredBy(doc.registeredAt, date.date)) throw refuse.notFound(`Customer ${customerId} was not registered as of ${date.date.toISOString()}`, 'customerId');
    const snapshot = await this.population(date, minPosition);
    const settings = analyticsSettings(this.analytics, options.horizonDays);
    return { view: analyseCustomer(customerRecordOf(doc), snapshot, date.date, settings, this.config.REPORTING_CURRENCY), consistent };
  }
}

@QueryHandler(GetAnalyticsModel)
export class GetAnalyticsModelHandler extends PopulationQuery implements IQueryHandler<GetAnalyticsModel> {
  async execute({ asOf, minPosition }: GetAnalyticsModel): Promise<AnalyticsModelReport & Consistency> {
    const date = this.observationDate(asOf);
    const consistent = await this.caughtUp(minPosition);
    const snapshot = await this.population(date, minPosition);
    const stored = await this.snapshots.stored(date.given ? date.date : undefined);
    return { snapshot, dataPosition: stored?.dataPosition ?? 0, consistent };
  }
}

@QueryHandler(FitAnalyticsModel)
export class FitAnalyticsModelHandler extends PopulationQuery implements IQueryHandler<FitAnalyticsModel> {
  async execute({ asOf, minPosition }: FitAnalyticsModel): Promise<AnalyticsModelReport & Consistency> {
    const date = this.observationDate(asOf);
    const consistent = await this.caughtUp(minPosition);
    const stored: StoredSnapshot = await this.snapshots.refit(date.given ? date.date : undefined);
    return { snapshot: stored.snapshot, dataPosition: stored.dataPosition, consistent };
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

export function csvCell(view: CustomerAnalyticsView, column: CsvColumn): CsvValue {
  switch (column) {
    case 'customerId': return view.customerId;
    case 'name': return view.name;
    case 'email': return view.email;
    case 'country': return view.country;
    case 'orders': return view.orders;
    case 'netRevenueMinor': return view.netRevenueMinor;
    case 'R': return view.rfm?.r ?? null;
    case 'F': return view.rfm?.f ?? null;
    case 'M': return view.rfm?.m ?? null;
    case 'pAlive': return view.model?.pAlive ?? null;
    case 'expectedPurchases': return view.model?.expectedPurchases.value ?? null;
    case 'expectedAverageOrderValueMinor': return view.model?.expectedAverageOrderValueMinor ?? null;
    case 'clvMinor': return view.clv?.valueMinor ?? null;
    case 'churnRisk': return view.churnRisk?.score ?? null;
    case 'otherCurrenciesNetMinor': return otherCurrenciesCell(view);
    case 'recencyDays': return view.rfm?.recencyDays ?? null;
    case 'frequency': return view.rfm?.frequency ?? null;
    case 'firstPurchaseAt': return view.firstPurchaseAt;
    case 'lastPurchaseAt': return view.lastPurchaseAt;
    case 'repeatPurchaseDays': return view.modelInputs?.repeatPurchaseDays ?? null;
    case 'modelRecencyDays': return view.modelInputs?.recencyDays ?? null;
    case 'ageDays': return view.modelInputs?.ageDays ?? null;
    case 'meanRepeatSpendMinor': return view.modelInputs?.meanRepeatSpendMinor ?? null;
    default: {
      const unknown: never = column;
      throw new Error(`Unknown CSV column ${String(unknown)}`);
    }
  }
}

export function customerCsvLine(view: CustomerAnalyticsView, columns: readonly CsvColumn[] = DEFAULT_CSV_COLUMNS): string {
  return csvLine(columns.map((column) => csvCell(view, column)));
}

const EXPORT_PAGE_SIZE = 500;

@QueryHandler(ExportCustomers)
export class ExportCustomersHandler extends PopulationQuery implements IQueryHandler<ExportCustomers> {
  @Inject(ANALYTICS_CONFIG) private readonly analytics!: AnalyticsConfig;

  async execute({ filter, options }: ExportCustomers): Promise<{ lines: AsyncIterable<string>; asOf: string } & Consistency> {
    const date = this.observationDate(options.asOf);
    const currency = this.config.REPORTING_CURRENCY;
    // Read your writes as every analytics read: the rows are read once the projector got there.
    const consistent = await this.caughtUp(options.minPosition);
    const snapshot = await this.population(date, options.minPosition);
    const settings = analyticsSettings(this.analytics);
    const columns = options.columns ?? DEFAULT_CSV_COLUMNS;
    const store = this.store;
    async function* lines(): AsyncGenerator<string> {
      yield csvLine(columns.map((column) => csvHeaderOf(column, currency)));
      // Keyset paging on customerId: stable under concurrent writes, unlike skip.
      // One row per customer registered by asOf (registeredAt is null until the registration).
      const conditions: Filter[] = [{ registeredAt: { lte: date.date.toISOString() } }];
      if (filter.country !== undefined) conditions.push({ country: filter.country.toUpperCase() });
      const pages = keysetPages<CustomerAnalyticsDocument>(store, CUSTOMER_ANALYTICS_COLLECTION, { and: conditions }, {
        sort: [{ field: 'customerId', direction: 'asc' }],
        pageSize: EXPORT_PAGE_SIZE,
        past: (last) => ({ customerId: { gt: last.customerId } }),
      });
      for await (const page of pages) {
        for (const doc of page) {
          const view = analyseCustomer(customerRecordOf(doc), snapshot, date.date, settings, currency);
          if (matchesExportFilter(view, filter)) yield customerCsvLine(view, columns);
        }
      }
    }
    return { lines: lines(), asOf: date.date.toISOString(), consistent };
  }
}
