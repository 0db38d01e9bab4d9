// A customer's dated facts (orders, refunds, NPS answers, ticket changes), as the customerAnalytics
// read model keeps them, and what they say as of an observation date: only facts with a business
// time at or before `asOf` count. Pure.
//
// Definitions (the README's "Analytics" section repeats them):
// - purchase day: a UTC calendar day with at least one order (any currency);
// - x, repeat purchase days: purchase days after the first one (same-day orders are one purchase);
// - t_x, recency in the model's sense: days from the first to the last purchase day;
// - T, age: days from the first purchase day to the day of `asOf`;
// - repeat spend days and mean repeat spend: repeat purchase days whose orders in the reporting
//   currency, net of the refunds made by `asOf`, add up to more than 0, and the mean of those sums.
import { currencyOfKey } from '@app/money';

export type NpsBand = 'promoter' | 'passive' | 'detractor';

export interface OrderFact {
  readonly orderId: string;
  /** Business time, UTC ISO-8601. */
  readonly at: string;
  /** The order's currency key: the ISO code, `?XYZ` for an unrecognised legacy code. */
  readonly currency: string;
  readonly grossMinor: number;
}

export interface RefundFact {
  readonly refundId: string;
  readonly orderId: string;
  readonly at: string;
  readonly currency: string;
  readonly amountMinor: number;
}

export interface NpsFact {
  readonly at: string;
  readonly score: number;
}

export type TicketStatus = 'open' | 'resolved' | 'closed';

export interface TicketFact {
  readonly ticketId: string;
  /** Status changes in business-time order: opened, resolved, reopened, closed. */
  readonly changes: readonly { readonly at: string; readonly status: TicketStatus }[];
}

/** Everything dated the analytics need, oldest first in each list. */
export interface CustomerHistory {
  readonly orders: readonly OrderFact[];
  readonly refunds: readonly RefundFact[];
  readonly nps: readonly NpsFact[];
  readonly tickets: readonly TicketFact[];
}

export const EMPTY_HISTORY: CustomerHistory = { orders: [], refunds: [], nps: [], tickets: [] };

/** The money of one currency as of a date, in its minor units. */
export interface CurrencyTotals {
  /** ISO code; for an unrecognised legacy code, the code as recorded. */
  readonly currency: string;
  /** Null for an unrecognised legacy code. */
  readonly exponent: number | null;
  readonly orders: number;
  readonly grossMinor: number;
  readonly refundedMinor: number;
  readonly netMinor: number;
}

/** The inputs of BG/NBD and Gamma-Gamma, in days. */
export interface ModelInputs {
  /** x: purchase days after the first. */
  readonly repeatPurchaseDays: number;
  /** t_x: days from the first to the last purchase day. */
  readonly recencyDays: number;
  /** T: days from the first purchase day to the observation day. */
  readonly ageDays: number;
  /** Repeat purchase days with spend in the reporting currency (the Gamma-Gamma x). */
  readonly repeatSpendDays: number;
  /** Mean net spend of those days, minor units of the reporting currency; null without one. */
  readonly meanRepeatSpendMinor: number | null;
}

export interface HistoryAsOf {
  /** Orders in every currency. */
  readonly orders: number;
  /** Per currency key. */
  readonly money: Readonly<Record<string, CurrencyTotals>>;
  readonly firstPurchaseAt: string | null;
  readonly lastPurchaseAt: string | null;
  readonly npsLast: number | null;
  readonly npsLastBand: NpsBand | null;
  readonly openTickets: number;
  /** Null without a purchase. */
  readonly model: ModelInputs | null;
}

const DAY_MS = 86_400_000;

/** The UTC day number (days since 1970-01-01) of an instant. */
export function utcDayNumber(instant: string | Date): number {
  return Math.floor((typeof instant === 'string' ? Date.parse(instant) : instant.getTime()) / DAY_MS);
}

export function npsBand(score: number): NpsBand {
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

/**
 * Whether a customer registered at `registeredAt` (business time; null: not registered) is one as of
 * `asOf`. Every analytics read as of a date counts only such customers, as the audit's 360 does.
 */
export function registeredBy(registeredAt: string | null | undefined, asOf: Date): boolean {
  return typeof registeredAt === 'string' && Date.parse(registeredAt) <= asOf.getTime();
}

/** What the history says as of `asOf` (facts dated later are ignored); money in `reportingCurrency` for the model. */
export function historyAsOf(history: CustomerHistory, asOf: Date, reportingCurrency: string): HistoryAsOf {
  const cutoff = asOf.getTime();
  const counts = (at: string) => Date.parse(at) <= cutoff;
  const orders = history.orders.filter((o) => counts(o.at));
  const refunds = history.refunds.filter((r) => counts(r.at));

  const money: Record<string, CurrencyTotals> = {};
  for (const order of orders) {
    const known = money[order.currency] ?? totalsOf(order.currency);
    money[order.currency] = { ...known, orders: known.orders + 1, grossMinor: known.grossMinor + order.grossMinor, netMinor: known.netMinor + order.grossMinor };
  }
  const refundedByOrder = new Map<string, number>();
  for (const refund of refunds) {
    const known = money[refund.currency] ?? totalsOf(refund.currency);
    money[refund.currency] = { ...known, refundedMinor: known.refundedMinor + refund.amountMinor, netMinor: known.netMinor - refund.amountMinor };
    refundedByOrder.set(refund.orderId, (refundedByOrder.get(refund.orderId) ?? 0) + refund.amountMinor);
  }

  let firstPurchaseAt: string | null = null;
  let lastPurchaseAt: string | null = null;
  for (const order of orders) {
    if (firstPurchaseAt === null || order.at < firstPurchaseAt) firstPurchaseAt = order.at;
    if (lastPurchaseAt === null || order.at > lastPurchaseAt) lastPurchaseAt = order.at;
  }

  let npsLast: NpsFact | null = null;
  for (const answer of history.nps) if (counts(answer.at) && (npsLast === null || answer.at >= npsLast.at)) npsLast = answer;

  let openTickets = 0;
  for (const ticket of history.tickets) {
    let status: TicketStatus | null = null;
    for (const change of ticket.changes) if (counts(change.at)) status = change.status;
    if (status === 'open') openTickets++;
  }

  return {
    orders: orders.length,
    money,
    firstPurchaseAt,
    lastPurchaseAt,
    npsLast: npsLast?.score ?? null,
    npsLastBand: npsLast === null ? null : npsBand(npsLast.score),
    openTickets,
    model: orders.length === 0 ? null : modelInputs(orders, refundedByOrder, utcDayNumber(asOf), reportingCurrency),
  };
}

function totalsOf(key: string): CurrencyTotals {
  const { code, exponent } = currencyOfKey(key);
  return { currency: code, exponent, orders: 0, grossMinor: 0, refundedMinor: 0, netMinor: 0 };
}

function modelInputs(orders: readonly OrderFact[], refundedByOrder: ReadonlyMap<string, number>, asOfDay: number, currency: string): ModelInputs {
  const spendByDay = new Map<number, number>();
  for (const order of orders) {
    const day = utcDayNumber(order.at);
    const spend = order.currency === currency ? order.grossMinor - (refundedByOrder.get(order.orderId) ?? 0) : 0;
    spendByDay.set(day, (spendByDay.get(day) ?? 0) + spend);
  }
  const days = [...spendByDay.keys()].sort((a, b) => a - b);
  const first = days[0];
  const last = days[days.length - 1];
  let spendDays = 0;
  let spendTotal = 0;
  for (const day of days.slice(1)) {
    const spend = spendByDay.get(day) ?? 0;
    if (spend > 0) {
      spendDays++;
      spendTotal += spend;
    }
  }
  return {
    repeatPurchaseDays: days.length - 1,
    recencyDays: last - first,
    ageDays: Math.max(0, asOfDay - first),
    repeatSpendDays: spendDays,
    meanRepeatSpendMinor: spendDays > 0 ? spendTotal / spendDays : null,
  };
}
