import { fold } from '@app/event-sourcing';
import type { TicketCommand } from './ticket.commands';
import { ticketDecider } from './ticket.decider';
import type { TicketEvent } from './ticket.events';
import { customerIdOfTicketCommand, streamIdForTicketCommand, ticketStreamId } from './ticket.streams';

const opened: TicketEvent = {
  type: 'TicketOpened',
  data: { customerId: 'c1', ticketId: 'T1', subject: 's', channel: 'web', priority: 'low', sla: { name: 'x', firstResponseMinutes: 1, resolutionMinutes: 2 } },
};

describe('ticket streams', () => {
  const commands: TicketCommand[] = [
    { type: 'OpenTicket', customerId: 'c1', ticketId: 'T1', subject: 's', channel: 'web', priority: 'low', sla: { name: 'x', firstResponseMinutes: 1, resolutionMinutes: 2 } },
    { type: 'AssignTicket', ticketId: 'T1', agentId: 'a' },
    { type: 'ReplyToTicket', ticketId: 'T1', author: 'agent', body: 'b' },
    { type: 'ResolveTicket', ticketId: 'T1', resolution: 'r' },
    { type: 'ReopenTicket', ticketId: 'T1' },
    { type: 'CloseTicket', ticketId: 'T1' },
    { type: 'AddTicketNote', ticketId: 'T1', body: 'n' },
    { type: 'ChangeTicketPriority', ticketId: 'T1', priority: 'urgent' },
  ];

  it.each(commands.map((command) => [command.type, command] as const))('%s targets the ticket stream and its customer', (_type, command) => {
    expect(streamIdForTicketCommand(command)).toBe('ticket-T1');
    expect(customerIdOfTicketCommand(command, fold(ticketDecider, [opened]))).toBe('c1');
  });

  it('takes the customer of OpenTicket from the command', () => {
    expect(customerIdOfTicketCommand(commands[0], ticketDecider.initialState())).toBe('c1');
  });

  it('knows no customer for a later command on a ticket that does not exist', () => {
    expect(customerIdOfTicketCommand(commands[1], ticketDecider.initialState())).toBeUndefined();
  });

  it('names ticket streams <category>-<id>', () => {
    expect(ticketStreamId('T-9')).toBe('ticket-T-9');
  });
});
