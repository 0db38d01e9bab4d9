// Which stream a ticket command targets and which customer it concerns, for the command side.
import { streamId } from '@app/event-sourcing';
import type { TicketCommand } from './ticket.commands';
import type { TicketState } from './ticket.decider';

export const TICKET_STREAM_CATEGORY = 'ticket';

export function ticketStreamId(ticketId: string): string {
  return streamId(TICKET_STREAM_CATEGORY, ticketId);
}

export function streamIdForTicketCommand(command: TicketCommand): string {
  return ticketStreamId(command.ticketId);
}

/**
 * Only OpenTicket names its customer; later commands name the ticket, whose state knows the
 * customer. Undefined for a command on a ticket that does not exist (the decider refuses it).
 */
export function customerIdOfTicketCommand(command: TicketCommand, state: TicketState): string | undefined {
  if (command.type === 'OpenTicket') return command.customerId;
  return state.status === 'unknown' ? undefined : state.customerId;
}
