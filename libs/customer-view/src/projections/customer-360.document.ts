// The `customer360` read model, documented for the query API and for analysts reading MongoDB.
// One document per customer (id = customerId). Money is in minor units of its currency and kept
// per currency (`purchases.byCurrency`, `refunds.byCurrency`): no figure adds two currencies.
// All times are business times (the event's occurredAt) in UTC ISO-8601.
import type { ConsentPurpose, ContactPointKind, Gender } from '@app/customers/domain/customer.events';
import type { TicketPriority } from '@app/tickets/domain/ticket.events';
import type { CatalogueEventType } from './catalogue-event';
import type { NpsClass, TimelineChannel } from './timeline-entry';

export const CUSTOMER_360_COLLECTION = 'customer360';

/** Entries kept in `recentTimeline`; the full history is in the `timeline` collection. */
export const RECENT_TIMELINE_SIZE = 20;

/** Message ids remembered per customer to count distinct email opens and clicks (see EmailStats). */
export const EMAIL_MESSAGE_IDS_KEPT = 500;

/** Null where the customer never gave the value. */
export type Customer360Profile = {
  readonly firstName: string | null;
  readonly lastName: string | null;
  /** Primary email, lower-cased. */
  readonly email: string | null;
  /** Primary phone, E.164. */
  readonly phone: string | null;
  /** `YYYY-MM-DD`. */
  readonly birthDate: string | null;
  readonly gender: Gender | null;
  /** ISO 3166-1 alpha-2. */
  readonly country: string | null;
  readonly city: string | null;
  readonly language: string | null;
};

export type ContactPointEntry = {
  readonly kind: ContactPointKind;
  readonly value: string;
  readonly label: string | null;
  readonly addedAt: string;
};

/** The latest consent decision for one purpose. */
export type ConsentState = {
  readonly granted: boolean;
  readonly at: string;
  /** Where it was given or withdrawn (web form, phone call, store). */
  readonly via: string;
};

export type CategoryStats = {
  /** Order lines in this category. */
  readonly count: number;
  /** Units bought (sum of line quantities). */
  readonly quantity: number;
  /** Sum of quantity × unit price. Refunds are not broken down by category. */
  readonly totalMinor: number;
};

export type ChannelStats = {
  /** Orders placed through this sales channel. */
  readonly count: number;
  readonly totalMinor: number;
};

/**
 * The purchases and refunds of one currency; every amount is in its minor units.
 *
 * Keyed in `byCurrency` by the ISO 4217 code (`EUR`). Events recorded before codes were validated
 * may carry `eur` (filed under EUR) or a code that is no ISO currency (`XYZ`): such a one is kept
 * apart under `?XYZ`, with `exponent: null`, its amounts as recorded, never added to another.
 */
export type CurrencyPurchaseStats = {
  /** ISO 4217 code; for an unrecognised legacy code, the code as recorded (trimmed, upper-cased). */
  readonly currency: string;
  /** Digits of the minor unit (JPY 0, EUR 2, BHD 3); null for an unrecognised legacy code. */
  readonly exponent: number | null;
  /** Completed orders in this currency. */
  readonly count: number;
  /** Gross revenue: sum of order totals. */
  readonly totalMinor: number;
  /** Sum of refunds in this currency. */
  readonly refundedMinor: number;
  /** totalMinor − refundedMinor. */
  readonly netMinor: number;
  /** round(totalMinor / count), gross of refunds; 0 without orders. */
  readonly averageOrderValueMinor: number;
  readonly firstAt: string | null;
  readonly lastAt: string | null;
  /**
   * By product category. Keys are the category with `%` written `%25`, `.` `%2E` and a leading `$`
   * `%24` (MongoDB field names cannot query through `.` and `$`), one key per category. Documents
   * written before 2026-12-05 hold `_` for `.` and a leading `$` until the read models are rebuilt.
   */
  readonly byCategory: Readonly<Record<string, CategoryStats>>;
  /** By sales channel: web, app, store, phone, marketplace. */
  readonly byChannel: Readonly<Record<string, ChannelStats>>;
};

export type PurchaseStats = {
  /** Completed orders, in every currency (a count: it adds no money). */
  readonly count: number;
  /** Currency of the latest order (by business time); null without orders. */
  readonly lastCurrency: string | null;
  readonly firstAt: string | null;
  readonly lastAt: string | null;
  /** The money figures, one entry per currency (see CurrencyPurchaseStats for the keys). */
  readonly byCurrency: Readonly<Record<string, CurrencyPurchaseStats>>;
};

export type CurrencyRefundStats = {
  readonly currency: string;
  readonly exponent: number | null;
  readonly count: number;
  readonly totalMinor: number;
};

export type RefundStats = {
  /** Refunds in every currency. */
  readonly count: number;
  /** Keyed like `purchases.byCurrency`. */
  readonly byCurrency: Readonly<Record<string, CurrencyRefundStats>>;
};

export type CallStats = {
  readonly count: number;
  readonly inbound: number;
  readonly outbound: number;
  readonly totalDurationSeconds: number;
  readonly lastAt: string | null;
};

export type EmailStats = {
  readonly sent: number;
  readonly received: number;
  /**
   * Distinct messages opened. Distinctness is judged against the last EMAIL_MESSAGE_IDS_KEPT
   * messages opened (`openedMessageIds`), so the document stays bounded: re-opening a message
   * older than that counts again. An approximation that only matters for very active readers.
   */
  readonly opened: number;
  /** Distinct messages with at least one click; same approximation as `opened`. */
  readonly clicked: number;
  /** Latest email activity of any kind (sent, received, opened, clicked). */
  readonly lastAt: string | null;
  /** Most recently first-opened message ids, oldest first, at most EMAIL_MESSAGE_IDS_KEPT. */
  readonly openedMessageIds: readonly string[];
  /** Most recently first-clicked message ids, oldest first, at most EMAIL_MESSAGE_IDS_KEPT. */
  readonly clickedMessageIds: readonly string[];
};

export type ChatStats = {
  readonly count: number;
  readonly lastAt: string | null;
};

export type NoteStats = {
  readonly count: number;
};

/** A ticket of this customer that is not closed yet (open, or resolved and awaiting closure). */
export type CustomerTicketEntry = {
  readonly ticketId: string;
  /** Null only when ticket events arrived without their TicketOpened (defensive). */
  readonly subject: string | null;
  readonly priority: TicketPriority | null;
  /** `open` (also after a reopen) or `resolved`. Closed tickets leave this map. */
  readonly status: 'open' | 'resolved';
  readonly assigneeId: string | null;
  readonly openedAt: string | null;
  /** First agent reply. */
  readonly firstResponseAt: string | null;
  /** With no firstResponseAt and this time past, the ticket is overdue (the query side knows "now"). */
  readonly firstResponseDueAt: string | null;
  readonly resolutionDueAt: string | null;
  /** First resolution; SLA and resolution time are final from then on, even if reopened. */
  readonly firstResolvedAt: string | null;
};

export type TicketStats = {
  /** Tickets with status open now (after reopens). */
  readonly open: number;
  /** Tickets ever opened. */
  readonly total: number;
  /** Tickets resolved at least once (a reopened and re-resolved ticket counts once). */
  readonly resolved: number;
  /**
   * SLA targets missed: firstResponseBreaches + resolutionBreaches (a ticket can miss both).
   * First response: the first agent reply came after its due time, or the ticket left the open
   * state (first resolved, or closed unresolved) after that time without an agent reply.
   * Resolution: it left the open state after its due time. Open tickets already overdue are not counted here (no clock in a projection); the
   * query side derives them from the due times in `openTickets`.
   */
  readonly slaBreaches: number;
  readonly firstResponseBreaches: number;
  readonly resolutionBreaches: number;
  /** Mean minutes from opening to first resolve over resolved tickets, rounded to 0.01; null if none. */
  readonly meanResolutionMinutes: number | null;
  /** Exact sum behind the mean, so aggregates over customers stay exact. */
  readonly resolutionMinutesTotal: number;
  /** Not-yet-closed tickets by ticket id (`.` in an id written `%2E` in its key, as in byCategory; `ticketId` holds the id as it is). */
  readonly openTickets: Readonly<Record<string, CustomerTicketEntry>>;
};

export type NpsStats = {
  readonly count: number;
  /** Score of the latest answer by business time. */
  readonly last: number | null;
  readonly lastAt: string | null;
  /** Mean score, rounded to 0.01; null if none. */
  readonly average: number | null;
  readonly sum: number;
  /** Band of the latest score: 9–10 promoter, 7–8 passive, 0–6 detractor. */
  readonly lastClass: NpsClass | null;
  readonly promoters: number;
  readonly passives: number;
  readonly detractors: number;
};

export type CsatStats = {
  readonly count: number;
  readonly last: number | null;
  readonly lastAt: string | null;
  /** Mean score (1–5), rounded to 0.01; null if none. */
  readonly average: number | null;
  readonly sum: number;
  /** Answers scoring 4 or 5. */
  readonly satisfied: number;
  /** satisfied / count, rounded to 0.0001; null if none. */
  readonly satisfiedShare: number | null;
};

export type RecentTimelineEntry = {
  readonly eventId: string;
  /** Event type. */
  readonly type: CatalogueEventType;
  readonly channel: TimelineChannel;
  readonly occurredAt: string;
  /** Same line as the `timeline` collection shows. */
  readonly summary: string;
};

export type Customer360Fields = {
  readonly customerId: string;
  /** The customer's id in the registering system; null until registered or if none was given. */
  readonly externalId: string | null;
  /** "First Last", for lists and search results. */
  readonly displayName: string;
  readonly profile: Customer360Profile;
  /** Null while only other streams' events were seen (the document is a skeleton until then). */
  readonly registeredAt: string | null;
  /** Additional contact points, in the order added (the primary email/phone are in `profile`). */
  readonly contactPoints: readonly ContactPointEntry[];
  /** Latest decision per purpose; purposes never asked about are absent. */
  readonly consents: Partial<Readonly<Record<ConsentPurpose, ConsentState>>>;
  readonly purchases: PurchaseStats;
  readonly refunds: RefundStats;
  readonly calls: CallStats;
  readonly emails: EmailStats;
  readonly chats: ChatStats;
  readonly notes: NoteStats;
  readonly tickets: TicketStats;
  readonly nps: NpsStats;
  readonly csat: CsatStats;
  /**
   * The RECENT_TIMELINE_SIZE latest interactions, newest first by (occurredAt, eventId), the order
   * of the `timeline` collection. Interactions are all timeline events except profile changes
   * (registration, profile, contact point, consent).
   */
  readonly recentTimeline: readonly RecentTimelineEntry[];
  /** Count of interactions (same definition as recentTimeline). */
  readonly interactions: number;
  readonly lastInteractionAt: string | null;
  /**
   * When the customer was forgotten (right to erasure), null otherwise. From then on every personal
   * value here (profile, display name, ticket subjects, timeline lines) reads `[forgotten]`,
   * contact points are gone, and the figures stay.
   */
  readonly forgottenAt: string | null;
};

/** `lastPosition` is the global position of the last event applied (stamped by the runner). */
export type Customer360Document = Customer360Fields & { readonly id: string; readonly lastPosition: number };
