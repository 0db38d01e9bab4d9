import { DeciderSpecification, DomainError, DomainErrorCode, fold } from '@app/event-sourcing';
import type { WithCustomerStatus } from '@app/customers/domain/customer-status';
import { callDecider } from './call.decider';
import type { LogCall } from './interaction.commands';
import type { CallEvent } from './interaction.events';

const spec = DeciderSpecification.for(callDecider);

const logCall: WithCustomerStatus<LogCall> = {
  type: 'LogCall', customerStatus: 'active', customerId: 'c1', callId: 'k1',
  direction: 'inbound', durationSeconds: 184, connection: 'answered', resolution: 'resolved', agentId: 'agent-3', summary: 'Address change',
};
const logged: CallEvent = {
  type: 'CallLogged',
  data: { customerId: 'c1', callId: 'k1', direction: 'inbound', durationSeconds: 184, connection: 'answered', resolution: 'resolved', agentId: 'agent-3', summary: 'Address change' },
};

function refusalOf(given: readonly CallEvent[], command: WithCustomerStatus<LogCall>): DomainError {
  try {
    callDecider.decide(command, fold(callDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('Expected a refusal');
}

describe('call decider', () => {
  it('logs a call', () => {
    spec.given([]).when(logCall).then([logged]);
  });

  it('logs a call of zero seconds without optional fields', () => {
    spec.given([]).when({ type: 'LogCall', customerStatus: 'active', customerId: 'c1', callId: 'k2', direction: 'outbound', durationSeconds: 0, connection: 'busy', resolution: null })
      .then([{ type: 'CallLogged', data: { customerId: 'c1', callId: 'k2', direction: 'outbound', durationSeconds: 0, connection: 'busy', resolution: null } }]);
  });

  it('refuses a call for an unknown customer', () => {
    const command = { ...logCall, customerStatus: 'unknown' as const };
    spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
    expect(refusalOf([], command).field).toBe('customerId');
  });

  it('refuses logging the same call twice', () => {
    spec.given([logged]).when(logCall).thenThrows(DomainErrorCode.AlreadyExists, 'Call k1 is already recorded');
    expect(refusalOf([logged], logCall).field).toBe('callId');
  });

  it.each([-1, 1.5, Number.NaN])('refuses a duration of %p seconds', (durationSeconds) => {
    const command = { ...logCall, durationSeconds };
    spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'durationSeconds');
    expect(refusalOf([], command).field).toBe('durationSeconds');
  });

  it.each([
    ['an answered call without a resolution', { connection: 'answered', resolution: null }, 'an answered call needs a resolution'],
    ['an unanswered call with a resolution', { connection: 'voicemail', resolution: 'resolved' }, 'connection voicemail has no resolution'],
  ] as const)('refuses %s', (_, result, message) => {
    const command = { ...logCall, ...result };
    spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, message);
    expect(refusalOf([], command).field).toBe('resolution');
  });

  it('folds its one event into a recorded call', () => {
    expect(fold(callDecider, [logged])).toStrictEqual({ status: 'recorded', customerId: 'c1' });
  });
});
