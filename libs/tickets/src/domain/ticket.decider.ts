// One support ticket (`ticket-<id>`): open → (assigned) → resolved → closed, resolved → reopened.
import { refuse, type Decider } from '@app/event-sourcing';
import { assertCustomerRegistered, type WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { AddTicketNote, AssignTicket, ChangeTicketPriority, CloseTicket, OpenTicket, ReopenTicket, ReplyToTicket, ResolveTicket, TicketCommand } from './ticket.commands';
import type { ReplyAuthor, SlaPolicy, TicketEvent, TicketPriority } from './ticket.events';
import { slaAfterPriorityChange } from './ticket-sla-policy';

export type TicketStatus = 'open' | 'resolved' | 'closed';

export type TicketState =
  | { readonly status: 'unknown' }
  | {
      readonly status: TicketStatus;
      readonly ticketId: string;
      /** Later commands name only the ticket; their events take the customer from here. */
      readonly customerId: string;
      readonly priority: TicketPriority;
      readonly sla: SlaPolicy;
      readonly assigneeId?: string;
      readonly replies: Readonly<Record<ReplyAuthor, number>>;
      readonly notes: number;
      readonly reopenCount: number;
    };

type KnownTicket = Exclude<TicketState, { status: 'unknown' }>;

/** Opening a ticket names a customer, so the handler says whether that customer is registered. */
export type TicketDeciderCommand = WithCustomerStatus<OpenTicket> | Exclude<TicketCommand, OpenTicket>;

export const ticketDecider: Decider<TicketDeciderCommand, TicketState, TicketEvent> = {
  initialState: () => ({ status: 'unknown' }),

  decide(command, state) {
    switch (command.type) {
      case 'OpenTicket':
        return open(command, state);
      case 'AssignTicket':
        return assign(command, known(state, command.ticketId));
      case 'ReplyToTicket':
        return reply(command, known(state, command.ticketId));
      case 'ResolveTicket':
        return resolve(command, known(state, command.ticketId));
      case 'ReopenTicket':
        return reopen(command, known(state, command.ticketId));
      case 'CloseTicket':
        return close(command, known(state, command.ticketId));
      case 'AddTicketNote':
        return addNote(command, known(state, command.ticketId));
      case 'ChangeTicketPriority':
        return changePriority(command, known(state, command.ticketId));
      default: {
        const unhandled: never = command;
        throw new Error(`Unhandled ticket command ${JSON.stringify(unhandled)}`);
      }
    }
  },

  evolve(state, event) {
    if (event.type === 'TicketOpened') {
      const { ticketId, customerId, priority, sla } = event.data;
      return { status: 'open', ticketId, customerId, priority, sla, replies: { agent: 0, customer: 0 }, notes: 0, reopenCount: 0 };
    }
    // Later events of a ticket never opened cannot occur in a valid stream; leave such state untouched.
    if (state.status === 'unknown') return state;
    switch (event.type) {
      case 'TicketAssigned':
        return { ...state, assigneeId: event.data.agentId };
      case 'TicketReplied':
        return { ...state, replies: { ...state.replies, [event.data.author]: state.replies[event.data.author] + 1 } };
      case 'TicketResolved':
        return { ...state, status: 'resolved' };
      case 'TicketReopened':
        return { ...state, status: 'open', reopenCount: state.reopenCount + 1 };
      case 'TicketClosed':
        return { ...state, status: 'closed' };
      case 'TicketNoteAdded':
        return { ...state, notes: state.notes + 1 };
      case 'TicketPriorityChanged':
        return { ...state, priority: event.data.priority, sla: event.data.sla };
      default: {
        // Compile-time exhaustiveness; at run time an event type this code does not know is ignored.
        const unknownEvent: never = event;
        void unknownEvent;
        return state;
      }
    }
  },
};

function open(command: WithCustomerStatus<OpenTicket>, state: TicketState): TicketEvent[] {
  assertCustomerRegistered(command);
  if (state.status !== 'unknown') throw refuse.alreadyExists(`Ticket ${command.ticketId} is already open`, 'ticketId');
  if (command.subject.trim() === '') throw refuse.rule('A ticket needs a subject', 'subject');
  assertPositiveMinutes(command.sla.firstResponseMinutes, 'sla.firstResponseMinutes');
  assertPositiveMinutes(command.sla.resolutionMinutes, 'sla.resolutionMinutes');
  // A ticket resolved before anyone could answer it on time is no policy: both clocks start at opening.
  if (command.sla.resolutionMinutes < command.sla.firstResponseMinutes) {
    throw refuse.rule('sla.resolutionMinutes must not be shorter than sla.firstResponseMinutes: a ticket cannot be due for resolution before its first response', 'sla.resolutionMinutes');
  }
  const { customerId, ticketId, subject, channel, priority, sla } = command;
  return [{ type: 'TicketOpened', data: { customerId, ticketId, subject, channel, priority, sla } }];
}

function assign(command: AssignTicket, ticket: KnownTicket): TicketEvent[] {
  assertNotClosed(ticket, 'assigned');
  // Assigning the agent who already has it changes nothing.
  if (ticket.assigneeId === command.agentId) return [];
  return [{ type: 'TicketAssigned', data: { customerId: ticket.customerId, ticketId: ticket.ticketId, agentId: command.agentId } }];
}

function reply(command: ReplyToTicket, ticket: KnownTicket): TicketEvent[] {
  assertNotClosed(ticket, 'answered');
  if (command.body.trim() === '') throw refuse.rule('A reply needs a body', 'body');
  const { author, authorId, body } = command;
  return [{
    type: 'TicketReplied',
    data: { customerId: ticket.customerId, ticketId: ticket.ticketId, author, ...(authorId !== undefined && { authorId }), body },
  }];
}

function resolve(command: ResolveTicket, ticket: KnownTicket): TicketEvent[] {
  assertNotClosed(ticket, 'resolved');
  if (ticket.status !== 'open') throw refuse.invalidState(`Ticket ${ticket.ticketId} is already resolved`, 'ticketId');
  return [{ type: 'TicketResolved', data: { customerId: ticket.customerId, ticketId: ticket.ticketId, resolution: command.resolution } }];
}

function reopen(command: ReopenTicket, ticket: KnownTicket): TicketEvent[] {
  if (ticket.status === 'closed') throw refuse.invalidState(`Ticket ${ticket.ticketId} is closed and cannot be reopened`, 'ticketId');
  if (ticket.status !== 'resolved') throw refuse.invalidState(`Ticket ${ticket.ticketId} is open; only a resolved ticket can be reopened`, 'ticketId');
  const { reason } = command;
  return [{ type: 'TicketReopened', data: { customerId: ticket.customerId, ticketId: ticket.ticketId, ...(reason !== undefined && { reason }) } }];
}

function close(_command: CloseTicket, ticket: KnownTicket): TicketEvent[] {
  assertNotClosed(ticket, 'closed again');
  return [{ type: 'TicketClosed', data: { customerId: ticket.customerId, ticketId: ticket.ticketId } }];
}

/**
 * Notes are the agents' own record, so they are taken on a closed ticket too (what was learned
 * afterwards); they change nothing the customer sees.
 */
function addNote(command: AddTicketNote, ticket: KnownTicket): TicketEvent[] {
  if (command.body.trim() === '') throw refuse.rule('A note needs a body', 'body');
  return [{ type: 'TicketNoteAdded', data: { customerId: ticket.customerId, ticketId: ticket.ticketId, body: command.body } }];
}

function changePriority(command: ChangeTicketPriority, ticket: KnownTicket): TicketEvent[] {
  assertNotClosed(ticket, 'reprioritised');
  if (ticket.priority === command.priority) return [];
  return [{
    type: 'TicketPriorityChanged',
    data: {
      customerId: ticket.customerId, ticketId: ticket.ticketId, priority: command.priority, previousPriority: ticket.priority,
      sla: slaAfterPriorityChange(ticket.sla, ticket.priority, command.priority),
    },
  }];
}

function known(state: TicketState, ticketId: string): KnownTicket {
  if (state.status === 'unknown') throw refuse.notFound(`Ticket ${ticketId} does not exist`, 'ticketId');
  return state;
}

function assertNotClosed(ticket: KnownTicket, action: string): void {
  if (ticket.status === 'closed') throw refuse.invalidState(`Ticket ${ticket.ticketId} is closed and cannot be ${action}`, 'ticketId');
}

function assertPositiveMinutes(minutes: number, field: string): void {
  if (!Number.isInteger(minutes) || minutes < 1) throw refuse.rule(`${field} must be a whole number of minutes, 1 or more`, field);
}
