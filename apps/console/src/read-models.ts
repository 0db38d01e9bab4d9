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

export interface TimelineEntry {
  readonly eventId: string;
  readonly type: string;
  readonly channel: string;
  readonly kind: string;
  readonly occurredAt: string;
  readonly summary: string;
  readonly position: number;
  readonly actor?: { readonly kind?: string; readonly id?: string } | string;
}

export interface TimelinePage {
  readonly items: readonly TimelineEntry[];
  readonly nextCursor: string | null;
}

export type SlaState = 'met' | 'breached' | 'at_risk' | 'on_track' | 'overdue';

export interface TicketView {
  readonly ticketId: string;
  readonly customerId: string;
  readonly subject: string | null;
  readonly channel: string | null;
  readonly priority: string | null;
  readonly status: 'open' | 'resolved' | 'closed';
  readonly assigneeId: string | null;
  readonly openedAt: string | null;
  readonly firstResponseDueAt: string | null;
  readonly resolutionDueAt: string | null;
  readonly replyCount: number;
  readonly firstResponseSla: SlaState;
  readonly resolutionSla: SlaState;
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
  'TicketOpened', 'TicketAssigned', 'TicketReplied', 'TicketResolved', 'TicketReopened', 'TicketClosed',
  'CustomerRegistered', 'CustomerProfileUpdated', 'ContactPointAdded', 'ConsentGiven', 'ConsentWithdrawn',
] as const;
