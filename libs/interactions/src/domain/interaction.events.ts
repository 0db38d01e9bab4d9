// Events of the single-shot interaction streams and of `order-<orderId>`.
// Money is in minor units (cents) with an ISO 4217 currency, so sums are exact.
import type { DomainEvent } from '@app/event-sourcing';

export type CallDirection = 'inbound' | 'outbound';
/** Whether the call reached the customer (schema v2). */
export type CallConnection = 'answered' | 'busy' | 'no_answer' | 'voicemail';
/** What became of the matter on an answered call (schema v2); null when the call was not answered. */
export type CallResolution = 'resolved' | 'follow_up' | 'transferred';
export type SalesChannel = 'web' | 'app' | 'store' | 'phone' | 'marketplace';
export type ChatChannel = 'web' | 'app' | 'whatsapp' | 'messenger' | 'sms';
export type SurveyKind = 'nps' | 'csat';

/**
 * `call-<callId>`, schema v2 (see call-logged.schemas.ts): whether the customer was reached
 * (`connection`) and, only for an answered call, what became of the matter (`resolution`).
 */
export type CallLogged = DomainEvent<'CallLogged', {
  readonly customerId: string;
  readonly callId: string;
  readonly direction: CallDirection;
  readonly durationSeconds: number;
  readonly connection: CallConnection;
  readonly resolution: CallResolution | null;
  readonly agentId?: string;
  readonly summary?: string;
}>;

/** `email-<messageId>`: sent or received first, then opens and clicks. */
export type EmailSent = DomainEvent<'EmailSent', {
  readonly customerId: string;
  readonly messageId: string;
  readonly subject: string;
  readonly campaignId?: string;
}>;
export type EmailReceived = DomainEvent<'EmailReceived', {
  readonly customerId: string;
  readonly messageId: string;
  readonly subject: string;
}>;
export type EmailOpened = DomainEvent<'EmailOpened', { readonly customerId: string; readonly messageId: string }>;
export type EmailClicked = DomainEvent<'EmailClicked', { readonly customerId: string; readonly messageId: string; readonly url: string }>;

/** `chat-<chatId>`. */
export type ChatCompleted = DomainEvent<'ChatCompleted', {
  readonly customerId: string;
  readonly chatId: string;
  readonly channel: ChatChannel;
  readonly messageCount: number;
  readonly durationSeconds: number;
  readonly agentId?: string;
  readonly summary?: string;
}>;

export interface OrderLine {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
}

/** `order-<orderId>`. */
export type PurchaseCompleted = DomainEvent<'PurchaseCompleted', {
  readonly customerId: string;
  readonly orderId: string;
  readonly channel: SalesChannel;
  readonly currency: string;
  readonly lines: readonly OrderLine[];
  /** Sum of quantity × unitPriceMinor over the lines. */
  readonly totalMinor: number;
}>;
export type PurchaseRefunded = DomainEvent<'PurchaseRefunded', {
  readonly customerId: string;
  readonly orderId: string;
  readonly refundId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reason?: string;
}>;

/** `survey-<surveyId>`: NPS 0–10 or CSAT 1–5. */
export type SurveyAnswered = DomainEvent<'SurveyAnswered', {
  readonly customerId: string;
  readonly surveyId: string;
  readonly kind: SurveyKind;
  readonly score: number;
  readonly comment?: string;
  /** The ticket a CSAT survey is about, if any. */
  readonly ticketId?: string;
}>;

/** `note-<noteId>`. */
export type NoteAdded = DomainEvent<'NoteAdded', {
  readonly customerId: string;
  readonly noteId: string;
  readonly text: string;
  readonly authorId: string;
}>;

export type CallEvent = CallLogged;
export type EmailEvent = EmailSent | EmailReceived | EmailOpened | EmailClicked;
export type ChatEvent = ChatCompleted;
export type OrderEvent = PurchaseCompleted | PurchaseRefunded;
export type SurveyEvent = SurveyAnswered;
export type NoteEvent = NoteAdded;
export type InteractionEvent = CallEvent | EmailEvent | ChatEvent | OrderEvent | SurveyEvent | NoteEvent;
export const INTERACTION_EVENT_TYPES: readonly InteractionEvent['type'][] = [
  'CallLogged', 'EmailSent', 'EmailReceived', 'EmailOpened', 'EmailClicked', 'ChatCompleted',
  'PurchaseCompleted', 'PurchaseRefunded', 'SurveyAnswered', 'NoteAdded',
];
