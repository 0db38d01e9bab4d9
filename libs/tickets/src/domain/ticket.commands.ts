// Commands on the `ticket-<id>` stream.
import type { ReplyAuthor, SlaPolicy, TicketChannel, TicketPriority } from './ticket.events';

export type OpenTicket = { readonly type: 'OpenTicket'; readonly customerId: string; readonly ticketId: string; readonly subject: string; readonly channel: TicketChannel; readonly priority: TicketPriority; readonly sla: SlaPolicy };
export type AssignTicket = { readonly type: 'AssignTicket'; readonly ticketId: string; readonly agentId: string };
export type ReplyToTicket = { readonly type: 'ReplyToTicket'; readonly ticketId: string; readonly author: ReplyAuthor; readonly authorId?: string; readonly body: string };
export type ResolveTicket = { readonly type: 'ResolveTicket'; readonly ticketId: string; readonly resolution: string };
export type ReopenTicket = { readonly type: 'ReopenTicket'; readonly ticketId: string; readonly reason?: string };
export type CloseTicket = { readonly type: 'CloseTicket'; readonly ticketId: string };
export type AddTicketNote = { readonly type: 'AddTicketNote'; readonly ticketId: string; readonly body: string };
export type ChangeTicketPriority = { readonly type: 'ChangeTicketPriority'; readonly ticketId: string; readonly priority: TicketPriority };

export type TicketCommand = OpenTicket | AssignTicket | ReplyToTicket | ResolveTicket | ReopenTicket | CloseTicket | AddTicketNote | ChangeTicketPriority;
