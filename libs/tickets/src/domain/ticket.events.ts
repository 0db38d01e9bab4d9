// Events of the `ticket-<id>` stream.
import type { DomainEvent } from '@app/event-sourcing';

export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export type TicketChannel = 'email' | 'phone' | 'chat' | 'web' | 'store';
export type ReplyAuthor = 'agent' | 'customer';

/** Targets in minutes; breaches are measured against them. */
export interface SlaPolicy {
  readonly name: string;
  readonly firstResponseMinutes: number;
  readonly resolutionMinutes: number;
}

export type TicketOpened = DomainEvent<'TicketOpened', {
  readonly customerId: string;
  readonly ticketId: string;
  readonly subject: string;
  readonly channel: TicketChannel;
  readonly priority: TicketPriority;
  readonly sla: SlaPolicy;
}>;
export type TicketAssigned = DomainEvent<'TicketAssigned', { readonly customerId: string; readonly ticketId: string; readonly agentId: string }>;
export type TicketReplied = DomainEvent<'TicketReplied', {
  readonly customerId: string;
  readonly ticketId: string;
  readonly author: ReplyAuthor;
  readonly authorId?: string;
  readonly body: string;
}>;
export type TicketResolved = DomainEvent<'TicketResolved', { readonly customerId: string; readonly ticketId: string; readonly resolution: string }>;
export type TicketReopened = DomainEvent<'TicketReopened', { readonly customerId: string; readonly ticketId: string; readonly reason?: string }>;
export type TicketClosed = DomainEvent<'TicketClosed', { readonly customerId: string; readonly ticketId: string }>;

export type TicketEvent = TicketOpened | TicketAssigned | TicketReplied | TicketResolved | TicketReopened | TicketClosed;
export const TICKET_EVENT_TYPES: readonly TicketEvent['type'][] = [
  'TicketOpened', 'TicketAssigned', 'TicketReplied', 'TicketResolved', 'TicketReopened', 'TicketClosed',
];
