// The `dailyKpis` read model, documented for the query API and for analysts reading MongoDB.
//
// A fact table: every row carries its dimensions (UTC day of the event's occurredAt, channel,
// currency), the instant of its fact (`at`, so a report can stop at an observation date) and the
// same numeric measures, so any question is one `aggregate` with groupBy + sum (the only
// accumulator every engine here supports). Rows are per interaction, order, refund or ticket, never
// one shared row per (day, channel, currency): with the Kafka transport a projector sees each
// customer's events in order but different customers' events in any order, and the per-document
// position guard would silently drop a late customer's write to a shared row. A row written by one
// customer's events only is exact under at-least-once delivery and any partitioning.
import type { ReadDocument } from '@app/read-store';

export const DAILY_KPIS_COLLECTION = 'dailyKpis';

/** Interaction kinds counted in `kinds` (email = sent + received; opens, clicks, replies are not interactions). */
export const COUNTED_KINDS = ['purchase', 'call', 'email', 'chat', 'survey', 'note', 'ticket'] as const;
export type CountedKind = (typeof COUNTED_KINDS)[number];

export type DailyMeasures = {
  /** Gross order totals, minor units of `currency`. */
  readonly revenueMinor: number;
  /** Refunds on this day (of orders placed through this channel). */
  readonly refundsMinor: number;
  readonly orders: number;
  /** Sum of `kinds`. */
  readonly interactions: number;
  readonly kinds: Readonly<Record<CountedKind, number>>;
  /** NPS answers: promoter 9–10, passive 7–8, detractor 0–6. */
  readonly nps: { readonly count: number; readonly promoters: number; readonly passives: number; readonly detractors: number };
  /** CSAT answers; satisfied = score 4 or 5. */
  readonly csat: { readonly count: number; readonly satisfied: number };
  readonly tickets: TicketMeasures;
};

/**
 * `opened` counts on the opening day. Everything else is the ticket's outcome, final when it first
 * leaves the open state (its first resolution, or its close if it was never resolved) and counted
 * on that day (a reopen changes only the first-contact flag): SLA outcomes of tickets still open
 * and never resolved are not in this table.
 */
export type TicketMeasures = {
  readonly opened: number;
  /** Tickets resolved for the first time. */
  readonly resolved: number;
  /** Tickets closed without ever being resolved: their SLA is judged at the close. */
  readonly closedUnresolved: number;
  /** Resolved tickets that had an agent reply before their first resolution. */
  readonly firstResponses: number;
  /** Sum of minutes from opening to the first agent reply, over `firstResponses`. */
  readonly firstResponseMinutes: number;
  /**
   * First agent reply after its due time, or the ticket resolved or closed unresolved after that
   * time without any agent reply.
   */
  readonly firstResponseBreaches: number;
  /** Sum of minutes from opening to first resolution, over `resolved`. */
  readonly resolutionMinutes: number;
  /** First resolution, or the close of a ticket never resolved, after its due time. */
  readonly resolutionBreaches: number;
  /** Resolved with at most one agent reply before the first resolution and never reopened since. */
  readonly firstContactResolutions: number;
};

export type DailyRowKind = 'activity' | 'order' | 'refund' | 'ticket-opened' | 'ticket-resolved' | 'ticket-closed';

/** What the ticket-opened row remembers so the ticket's later events can finish its outcome. */
export type TicketProgress = {
  readonly ticketId: string;
  readonly openedAt: string;
  readonly firstResponseDueAt: string;
  readonly resolutionDueAt: string;
  readonly firstResponseAt: string | null;
  /**
   * The first-response verdict given at the first agent reply, against the due time then in force
   * (a later priority change does not undo it, as in the ticket read model). Absent in rows written
   * before it was kept: judged then from firstResponseAt and the due time.
   */
  readonly firstResponseBreached?: boolean;
  /** Agent replies before the first resolution. */
  readonly agentReplies: number;
  readonly firstResolvedAt: string | null;
};

export type DailyKpiFields = DailyMeasures & {
  readonly rowKind: DailyRowKind;
  /** `YYYY-MM-DD`, UTC day of the event's business time. */
  readonly day: string;
  /**
   * Sales channel for orders and refunds (web, app, store, phone, marketplace), the ticket's channel
   * for tickets (email, phone, chat, web, store), else the interaction's kind (call, email, chat,
   * survey, note).
   */
  readonly channel: string;
  /**
   * On order and refund rows: the ISO 4217 code (a legacy `eur` reads as EUR), or `?XYZ` for a
   * legacy code that is no ISO currency, kept apart; null elsewhere. Measures never mix currencies:
   * sum money only grouped by this field.
   */
  readonly currency: string | null;
  readonly customerId: string;
  /**
   * Business time of the row's fact (UTC ISO-8601): the interaction, order, refund, ticket opening
   * or first resolution. Reports as of an observation date count rows with `at` ≤ it.
   */
  readonly at: string;
  /** Only on ticket-opened rows. */
  readonly ticket?: TicketProgress;
  /**
   * Only on ticket-resolved rows: when the ticket was first reopened after that resolution (null
   * if never), and whether it was a first-contact resolution until then (1 or 0). As of a date
   * before the reopen it still counts as one.
   */
  readonly reopenedAt?: string | null;
  readonly firstContactBeforeReopen?: number;
};

export type DailyKpiDocument = DailyKpiFields & ReadDocument;

/** Every summable measure path, for `aggregate({ sum })`. */
export const DAILY_MEASURE_FIELDS: readonly string[] = [
  'revenueMinor', 'refundsMinor', 'orders', 'interactions',
  ...COUNTED_KINDS.map((kind) => `kinds.${kind}`),
  'nps.count', 'nps.promoters', 'nps.passives', 'nps.detractors',
  'csat.count', 'csat.satisfied',
  'tickets.opened', 'tickets.resolved', 'tickets.closedUnresolved', 'tickets.firstResponses', 'tickets.firstResponseMinutes', 'tickets.firstResponseBreaches',
  'tickets.resolutionMinutes', 'tickets.resolutionBreaches', 'tickets.firstContactResolutions',
];

export function emptyMeasures(): DailyMeasures {
  return {
    revenueMinor: 0, refundsMinor: 0, orders: 0, interactions: 0,
    kinds: { purchase: 0, call: 0, email: 0, chat: 0, survey: 0, note: 0, ticket: 0 },
    nps: { count: 0, promoters: 0, passives: 0, detractors: 0 },
    csat: { count: 0, satisfied: 0 },
    tickets: {
      opened: 0, resolved: 0, closedUnresolved: 0, firstResponses: 0, firstResponseMinutes: 0, firstResponseBreaches: 0,
      resolutionMinutes: 0, resolutionBreaches: 0, firstContactResolutions: 0,
    },
  };
}

/** Row ids: one per interaction (by its stream), order, refund, ticket opening and resolution. */
export const dailyRowId = {
  activity: (streamId: string) => `activity|${streamId}`,
  order: (orderId: string) => `order|${orderId}`,
  refund: (orderId: string, refundId: string) => `refund|${orderId}|${refundId}`,
  ticketOpened: (ticketId: string) => `ticket-opened|${ticketId}`,
  ticketResolved: (ticketId: string) => `ticket-resolved|${ticketId}`,
  /** A ticket closed without ever being resolved. */
  ticketClosed: (ticketId: string) => `ticket-closed|${ticketId}`,
};

/** The day of a UTC instant as businessTime() gives it (`2024-03-01T21:30:00.000Z` → `2024-03-01`). */
export function utcDay(utcIso: string): string {
  return utcIso.slice(0, 10);
}
