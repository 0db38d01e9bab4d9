import { DeciderSpecification, DomainError, DomainErrorCode, fold } from '@app/event-sourcing';
import type { OpenTicket } from './ticket.commands';
import { ticketDecider, type TicketDeciderCommand, type TicketState } from './ticket.decider';
import type { SlaPolicy, TicketEvent } from './ticket.events';

const spec = DeciderSpecification.for(ticketDecider);

const sla: SlaPolicy = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 1440 };
const openTicket: OpenTicket & { customerStatus: 'active' } = {
  type: 'OpenTicket', customerStatus: 'active', customerId: 'c1', ticketId: 'T1', subject: 'Parcel missing', channel: 'email', priority: 'high', sla,
};
const ids = { customerId: 'c1', ticketId: 'T1' } as const;
const opened: TicketEvent = { type: 'TicketOpened', data: { ...ids, subject: 'Parcel missing', channel: 'email', priority: 'high', sla } };
const assigned: TicketEvent = { type: 'TicketAssigned', data: { ...ids, agentId: 'agent-3' } };
const agentReplied: TicketEvent = { type: 'TicketReplied', data: { ...ids, author: 'agent', authorId: 'agent-3', body: 'We are on it' } };
const customerReplied: TicketEvent = { type: 'TicketReplied', data: { ...ids, author: 'customer', body: 'Thanks' } };
const resolved: TicketEvent = { type: 'TicketResolved', data: { ...ids, resolution: 'Resent' } };
const reopened: TicketEvent = { type: 'TicketReopened', data: { ...ids, reason: 'Still missing' } };
const closed: TicketEvent = { type: 'TicketClosed', data: { ...ids } };

const assign: TicketDeciderCommand = { type: 'AssignTicket', ticketId: 'T1', agentId: 'agent-3' };
const replyAsAgent: TicketDeciderCommand = { type: 'ReplyToTicket', ticketId: 'T1', author: 'agent', authorId: 'agent-3', body: 'We are on it' };
const resolve: TicketDeciderCommand = { type: 'ResolveTicket', ticketId: 'T1', resolution: 'Resent' };
const reopen: TicketDeciderCommand = { type: 'ReopenTicket', ticketId: 'T1', reason: 'Still missing' };
const close: TicketDeciderCommand = { type: 'CloseTicket', ticketId: 'T1' };

function refusalOf(given: readonly TicketEvent[], command: TicketDeciderCommand): DomainError {
  try {
    ticketDecider.decide(command, fold(ticketDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`Expected ${command.type} to be refused`);
}

describe('ticket decider', () => {
  describe('OpenTicket', () => {
    it('opens a ticket', () => {
      spec.given([]).when(openTicket).then([opened]);
    });

    it('refuses a ticket for an unknown customer', () => {
      const command = { ...openTicket, customerStatus: 'unknown' as const };
      spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
      expect(refusalOf([], command).field).toBe('customerId');
    });

    it('refuses opening the same ticket twice', () => {
      spec.given([opened]).when(openTicket).thenThrows(DomainErrorCode.AlreadyExists, 'Ticket T1 is already open');
      expect(refusalOf([opened], openTicket).field).toBe('ticketId');
    });

    it('refuses a blank subject', () => {
      const command = { ...openTicket, subject: '  ' };
      spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'needs a subject');
      expect(refusalOf([], command).field).toBe('subject');
    });

    it.each([
      ['firstResponseMinutes', 0], ['firstResponseMinutes', -5], ['firstResponseMinutes', 1.5],
      ['resolutionMinutes', 0], ['resolutionMinutes', 2.25],
    ] as const)('refuses an SLA %s of %p', (target, minutes) => {
      const command = { ...openTicket, sla: { ...sla, [target]: minutes } };
      spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, `sla.${target}`);
      expect(refusalOf([], command).field).toBe(`sla.${target}`);
    });

    it('refuses an SLA whose resolution is due before its first response, and takes one where both fall together', () => {
      const backwards = { ...openTicket, sla: { ...sla, firstResponseMinutes: 100, resolutionMinutes: 10 } };
      spec.given([]).when(backwards).thenThrows(DomainErrorCode.RuleViolated, 'must not be shorter than sla.firstResponseMinutes');
      expect(refusalOf([], backwards).field).toBe('sla.resolutionMinutes');
      const together = { ...openTicket, sla: { ...sla, firstResponseMinutes: 100, resolutionMinutes: 100 } };
      spec.given([]).when(together).then([{ type: 'TicketOpened', data: { ...ids, subject: 'Parcel missing', channel: 'email', priority: 'high', sla: together.sla } }]);
    });
  });

  describe('AssignTicket', () => {
    it('assigns an open ticket', () => {
      spec.given([opened]).when(assign).then([assigned]);
    });

    it('reassigns to another agent', () => {
      spec.given([opened, assigned]).when({ type: 'AssignTicket', ticketId: 'T1', agentId: 'agent-9' })
        .then([{ type: 'TicketAssigned', data: { ...ids, agentId: 'agent-9' } }]);
    });

    it('records nothing when the agent already has the ticket', () => {
      spec.given([opened, assigned]).when(assign).then([]);
    });

    it('assigns a resolved ticket', () => {
      spec.given([opened, resolved]).when(assign).then([assigned]);
    });

    it('refuses a closed ticket', () => {
      spec.given([opened, closed]).when(assign).thenThrows(DomainErrorCode.InvalidState, 'closed and cannot be assigned');
    });

    it('refuses an unknown ticket', () => {
      spec.given([]).when(assign).thenThrows(DomainErrorCode.NotFound, 'Ticket T1 does not exist');
      expect(refusalOf([], assign).field).toBe('ticketId');
    });
  });

  describe('ReplyToTicket', () => {
    it('records an agent reply', () => {
      spec.given([opened, assigned]).when(replyAsAgent).then([agentReplied]);
    });

    it('records a customer reply without authorId', () => {
      spec.given([opened]).when({ type: 'ReplyToTicket', ticketId: 'T1', author: 'customer', body: 'Thanks' }).then([customerReplied]);
    });

    it('records a reply on a resolved ticket', () => {
      spec.given([opened, resolved]).when(replyAsAgent).then([agentReplied]);
    });

    it('refuses a closed ticket', () => {
      spec.given([opened, resolved, closed]).when(replyAsAgent).thenThrows(DomainErrorCode.InvalidState, 'closed and cannot be answered');
    });

    it('refuses a blank reply', () => {
      const command: TicketDeciderCommand = { type: 'ReplyToTicket', ticketId: 'T1', author: 'agent', body: '' };
      spec.given([opened]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'needs a body');
      expect(refusalOf([opened], command).field).toBe('body');
    });

    it('refuses an unknown ticket', () => {
      spec.given([]).when(replyAsAgent).thenThrows(DomainErrorCode.NotFound, 'Ticket T1 does not exist');
    });
  });

  describe('ResolveTicket', () => {
    it('resolves an open ticket', () => {
      spec.given([opened, assigned, agentReplied]).when(resolve).then([resolved]);
    });

    it('resolves a reopened ticket', () => {
      spec.given([opened, resolved, reopened]).when(resolve).then([resolved]);
    });

    it('refuses a ticket already resolved', () => {
      spec.given([opened, resolved]).when(resolve).thenThrows(DomainErrorCode.InvalidState, 'already resolved');
    });

    it('refuses a closed ticket', () => {
      spec.given([opened, closed]).when(resolve).thenThrows(DomainErrorCode.InvalidState, 'closed and cannot be resolved');
    });

    it('refuses an unknown ticket', () => {
      spec.given([]).when(resolve).thenThrows(DomainErrorCode.NotFound, 'Ticket T1 does not exist');
    });
  });

  describe('ReopenTicket', () => {
    it('reopens a resolved ticket', () => {
      spec.given([opened, resolved]).when(reopen).then([reopened]);
    });

    it('leaves reason out of the event when the command has none', () => {
      spec.given([opened, resolved]).when({ type: 'ReopenTicket', ticketId: 'T1' }).then([{ type: 'TicketReopened', data: { ...ids } }]);
    });

    it('refuses an open ticket', () => {
      spec.given([opened]).when(reopen).thenThrows(DomainErrorCode.InvalidState, 'only a resolved ticket can be reopened');
    });

    it('refuses a closed ticket, even one closed after resolution', () => {
      spec.given([opened, resolved, closed]).when(reopen).thenThrows(DomainErrorCode.InvalidState, 'closed and cannot be reopened');
    });

    it('refuses an unknown ticket', () => {
      spec.given([]).when(reopen).thenThrows(DomainErrorCode.NotFound, 'Ticket T1 does not exist');
    });
  });

  describe('CloseTicket', () => {
    it('closes a resolved ticket', () => {
      spec.given([opened, resolved]).when(close).then([closed]);
    });

    it('closes an open ticket', () => {
      spec.given([opened, assigned]).when(close).then([closed]);
    });

    it('refuses a ticket already closed', () => {
      spec.given([opened, closed]).when(close).thenThrows(DomainErrorCode.InvalidState, 'closed and cannot be closed again');
    });

    it('refuses an unknown ticket', () => {
      spec.given([]).when(close).thenThrows(DomainErrorCode.NotFound, 'Ticket T1 does not exist');
      expect(refusalOf([], close).field).toBe('ticketId');
    });
  });

  describe('AddTicketNote', () => {
    const note: TicketDeciderCommand = { type: 'AddTicketNote', ticketId: 'T1', body: 'Customer is a reseller: check the bulk price list' };
    const noted: TicketEvent = { type: 'TicketNoteAdded', data: { ...ids, body: 'Customer is a reseller: check the bulk price list' } };

    it('records an internal note, apart from the replies', () => {
      spec.given([opened, agentReplied]).when(note).then([noted]);
      const state = fold(ticketDecider, [opened, agentReplied, noted]);
      expect(state.status !== 'unknown' && [state.notes, state.replies]).toEqual([1, { agent: 1, customer: 0 }]);
    });

    it('takes a note on a resolved or closed ticket: it is the agents\' record, not a message', () => {
      spec.given([opened, resolved]).when(note).then([noted]);
      spec.given([opened, resolved, closed]).when(note).then([noted]);
    });

    it('refuses a blank note', () => {
      const blank: TicketDeciderCommand = { type: 'AddTicketNote', ticketId: 'T1', body: ' \n ' };
      spec.given([opened]).when(blank).thenThrows(DomainErrorCode.RuleViolated, 'needs a body');
      expect(refusalOf([opened], blank).field).toBe('body');
    });

    it('refuses an unknown ticket', () => {
      spec.given([]).when(note).thenThrows(DomainErrorCode.NotFound, 'Ticket T1 does not exist');
      expect(refusalOf([], note).field).toBe('ticketId');
    });
  });

  describe('ChangeTicketPriority', () => {
    const urgent: TicketDeciderCommand = { type: 'ChangeTicketPriority', ticketId: 'T1', priority: 'urgent' };
    const onDefault: TicketEvent = { type: 'TicketOpened', data: { ...ids, subject: 'Parcel missing', channel: 'email', priority: 'normal', sla: { name: 'default-normal', firstResponseMinutes: 480, resolutionMinutes: 4320 } } };

    it('keeps a policy the helpdesk chose', () => {
      spec.given([opened]).when(urgent).then([{ type: 'TicketPriorityChanged', data: { ...ids, priority: 'urgent', previousPriority: 'high', sla } }]);
    });

    it('moves a ticket on its priority\'s default policy to the new priority\'s default', () => {
      spec.given([onDefault]).when(urgent).then([{
        type: 'TicketPriorityChanged',
        data: { ...ids, priority: 'urgent', previousPriority: 'normal', sla: { name: 'default-urgent', firstResponseMinutes: 30, resolutionMinutes: 240 } },
      }]);
    });

    it('the next change starts from the new priority', () => {
      const changed: TicketEvent = { type: 'TicketPriorityChanged', data: { ...ids, priority: 'urgent', previousPriority: 'high', sla } };
      spec.given([opened, changed]).when({ type: 'ChangeTicketPriority', ticketId: 'T1', priority: 'high' })
        .then([{ type: 'TicketPriorityChanged', data: { ...ids, priority: 'high', previousPriority: 'urgent', sla } }]);
    });

    it('records nothing when the priority is already that', () => {
      spec.given([opened]).when({ type: 'ChangeTicketPriority', ticketId: 'T1', priority: 'high' }).then([]);
    });

    it('changes a resolved ticket\'s priority (it may be reopened)', () => {
      spec.given([opened, resolved]).when(urgent).then([{ type: 'TicketPriorityChanged', data: { ...ids, priority: 'urgent', previousPriority: 'high', sla } }]);
    });

    it('refuses a closed ticket', () => {
      spec.given([opened, closed]).when(urgent).thenThrows(DomainErrorCode.InvalidState, 'closed and cannot be reprioritised');
    });

    it('refuses an unknown ticket', () => {
      spec.given([]).when(urgent).thenThrows(DomainErrorCode.NotFound, 'Ticket T1 does not exist');
    });
  });

  describe('evolve', () => {
    it('starts unknown', () => {
      expect(ticketDecider.initialState()).toStrictEqual({ status: 'unknown' });
    });

    it('folds a representative lifecycle', () => {
      const history = [opened, assigned, agentReplied, customerReplied, resolved, reopened, agentReplied, resolved, closed];
      const expected: TicketState = {
        status: 'closed', ticketId: 'T1', customerId: 'c1', priority: 'high', sla,
        assigneeId: 'agent-3', replies: { agent: 2, customer: 1 }, notes: 0, reopenCount: 1,
      };
      expect(fold(ticketDecider, history)).toStrictEqual(expected);
    });

    it.each([
      ['open', 'opened', [opened]],
      ['resolved', 'resolved', [opened, resolved]],
      ['open', 'reopened', [opened, resolved, reopened]],
      ['closed', 'closed', [opened, closed]],
    ] as const)('is %s once %s', (status, _last, history) => {
      expect(fold(ticketDecider, history).status).toBe(status);
    });
  });
});
