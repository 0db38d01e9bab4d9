// The parts of the query API's answers the console reads. The server's documents carry more;
// these types are the console's expectations, kept apart from the server code on purpose (the
// console is a separate build and must not pull Nest or driver modules into the browser bundle).

export interface SearchHit {
  readonly customerId: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly externalId: string | null;
  readonly matched: string;
}

export interface ConsentState {
  readonly granted: boolean;
  readonly at: string;
  readonly via: string;
}

export interface Customer360 {
  readonly customerId: string;
  readonly externalId: string | null;
  readonly displayName: string;
  readonly profile: {
    readonly firstName: string | null;
    readonly lastName: string | null;
    readonly email: string | null;
    readonly phone: string | null;
    readonly birthDate: string | null;
    readonly country: string | null;
    readonly city: string | null;
    readonly language: string | null;
  };
  readonly registeredAt: string | null;
  readonly contactPoints: readonly { kind: string; value: string; label: string | null }[];
  readonly consents: Readonly<Record<string, ConsentState>>;
  /** Money per currency (keyed by ISO code, `?XYZ` for an unrecognised legacy code); never summed across them. */
  readonly purchases: { readonly count: number; readonly lastAt: string | null; readonly lastCurrency: string | null; readonly byCurrency: Readonly<Record<string, CurrencyPurchases>> };
  readonly calls: { readonly count: number };
  readonly tickets: { readonly open: number; readonly total: number; readonly slaBreaches: number };
  readonly nps: { readonly count: number; readonly last: number | null; readonly average: number | null; readonly lastClass: string | null };
  readonly csat: { readonly count: number; readonly average: number | null; readonly satisfiedShare: number | null };
  readonly interactions: number;
  readonly lastInteractionAt: string | null;
  /** When the customer was forgotten (right to erasure); their personal values then read `[forgotten]`. */
  readonly forgottenAt?: string | null;
  readonly lastPosition: number;
  /** Filled once the segments capability writes them into the 360 view. */
  readonly segmentIds?: readonly string[];
  readonly loyalty?: { readonly balance?: number; readonly tier?: string | null };
}

export interface CurrencyPurchases {
  readonly currency: string;
  /** Digits of the minor unit; null for an unrecognised legacy code. */
  readonly exponent: number | null;
  readonly count: number;
  readonly totalMinor: number;
  readonly netMinor: number;
  readonly averageOrderValueMinor: number;
}

/** Who recorded an event: the API key's identity (an agent's own key for the console). */
export interface Actor {
  readonly type?: string;
  readonly id?: string;
  readonly name?: string | null;
}

export interface TimelineEntry {
  readonly eventId: string;
  readonly type: string;
  readonly channel: string;
  readonly kind: string;
  readonly occurredAt: string;
  readonly summary: string;
  readonly position: number;
  readonly streamId?: string;
  /** The event's payload as stored: the full text, order lines, survey answers… */
  readonly data?: Readonly<Record<string, unknown>>;
  readonly actor?: Actor;
  readonly source?: string;
}

export interface TimelinePage {
  readonly items: readonly TimelineEntry[];
  readonly nextCursor: string | null;
}

export type SlaState = 'met' | 'breached' | 'at_risk' | 'on_track' | 'overdue';

export const TICKET_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

/** A ticket as lists show it (the queue, a customer's tickets). */
export interface TicketSummary {
  readonly ticketId: string;
  readonly customerId: string;
  readonly subject: string | null;
  readonly channel: string | null;
  readonly priority: string | null;
  readonly status: 'open' | 'resolved' | 'closed';
  readonly assigneeId: string | null;
  readonly openedAt: string | null;
  readonly firstResponseAt?: string | null;
  readonly firstResponseDueAt: string | null;
  readonly resolutionDueAt: string | null;
  readonly nextDueAt?: string | null;
  readonly lastActivityAt?: string | null;
  readonly replyCount: number;
  readonly noteCount?: number;
  readonly firstResponseSla: SlaState;
  readonly resolutionSla: SlaState;
  readonly lastPosition?: number;
}

export interface TicketMessage {
  readonly eventId: string;
  readonly author: 'agent' | 'customer';
  readonly authorId: string | null;
  readonly body: string;
  readonly at: string;
  readonly actor: Actor;
}

export interface TicketNote {
  readonly eventId: string;
  readonly body: string;
  readonly at: string;
  readonly actor: Actor;
}

export interface TicketStep {
  readonly eventId: string;
  readonly kind: 'opened' | 'assigned' | 'priorityChanged' | 'resolved' | 'reopened' | 'closed';
  readonly at: string;
  readonly actor: Actor;
  readonly detail: string | null;
}

/** GET /v1/tickets/:id: the ticket with its thread. */
export interface TicketView extends TicketSummary {
  readonly customerName?: string | null;
  readonly resolution: string | null;
  readonly replies: readonly TicketMessage[];
  readonly notes: readonly TicketNote[];
  readonly activity: readonly TicketStep[];
  readonly lastPosition: number;
  /** When the customer was forgotten: the ticket's text reads [forgotten] and only its close can be recorded. */
  readonly customerForgottenAt?: string | null;
}

/** GET /v1/tickets (the queue). */
export interface QueueItem extends TicketSummary {
  readonly customerName: string | null;
  readonly waitingOn: 'agent' | 'customer';
}

export interface QueuePage {
  readonly items: readonly QueueItem[];
  readonly total: number;
  /** The page after this one (GET /v1/tickets?cursor=…); null on the last. */
  readonly nextCursor?: string | null;
}

export interface Agent {
  readonly id: string;
  readonly name: string;
}

/** GET /v1/customers/:id/segments. */
export interface CustomerSegments {
  readonly segments: readonly { readonly segmentId: string; readonly name: string | null }[];
}

/** GET /v1/customers/:id/loyalty, where the loyalty capability is deployed. */
export interface LoyaltyAccount {
  readonly balance: number;
  readonly tier: string | null;
  readonly nextExpiry?: { readonly points: number; readonly at: string } | null;
}

/** GET /v1/customers/:id/analytics, where the analytics capability is deployed and the key may read it. */
export interface CustomerAnalytics {
  /** The reporting currency CLV is in, and its exponent. */
  readonly currency?: string;
  readonly exponent?: number;
  readonly clv?: { readonly valueMinor: number; readonly currency?: string } | null;
  readonly churnRisk?: { readonly score: number } | null;
  readonly rfm?: { readonly segment?: string; readonly r?: number; readonly f?: number; readonly m?: number } | null;
  readonly segments?: readonly string[];
  readonly segmentIds?: readonly string[];
}

export const TIMELINE_CHANNELS = ['call', 'email', 'chat', 'purchase', 'survey', 'note', 'ticket', 'profile'] as const;

export const TIMELINE_KINDS = [
  'CallLogged', 'EmailSent', 'EmailReceived', 'EmailOpened', 'EmailClicked', 'ChatCompleted', 'PurchaseCompleted', 'PurchaseRefunded', 'SurveyAnswered', 'NoteAdded',
  'TicketOpened', 'TicketAssigned', 'TicketReplied', 'TicketNoteAdded', 'TicketPriorityChanged', 'TicketResolved', 'TicketReopened', 'TicketClosed',
  'CustomerRegistered', 'CustomerProfileUpdated', 'ContactPointAdded', 'ConsentGiven', 'ConsentWithdrawn',
] as const;
