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
/**
 * An internal note on a ticket: for the agents working on it, never a message to the customer, so
 * it is an event of its own rather than a kind of reply (whatever reads replies never sees it).
 */
export type TicketNoteAdded = DomainEvent<'TicketNoteAdded', { readonly customerId: string; readonly ticketId: string; readonly body: string }>;
/** The priority changed; `sla` is the policy from now on (the due times follow it from openedAt). */
export type TicketPriorityChanged = DomainEvent<'TicketPriorityChanged', {
  readonly customerId: string;
  readonly ticketId: string;
  readonly priority: TicketPriority;
  readonly previousPriority: TicketPriority;
  readonly sla: SlaPolicy;
}>;

export type TicketEvent = TicketOpened | TicketAssigned | TicketReplied | TicketResolved | TicketReopened | TicketClosed | TicketNoteAdded | TicketPriorityChanged;
export const TICKET_EVENT_TYPES: readonly TicketEvent['type'][] = [
  'TicketOpened', 'TicketAssigned', 'TicketReplied', 'TicketResolved', 'TicketReopened', 'TicketClosed', 'TicketNoteAdded', 'TicketPriorityChanged',
];
