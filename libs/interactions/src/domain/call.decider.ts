// One logged phone call (`call-<callId>`).
import { refuse, type Decider } from '@app/event-sourcing';
import { assertCustomerRegistered, type WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { CallCommand, LogCall } from './interaction.commands';
import type { CallEvent } from './interaction.events';
import { assertNotRecorded, evolveSingleShot, initialSingleShotState, type SingleShotState } from './single-shot-stream';

export type CallState = SingleShotState;

export const callDecider: Decider<WithCustomerStatus<CallCommand>, CallState, CallEvent> = {
  initialState: initialSingleShotState,
  evolve: evolveSingleShot,
  decide(command, state) {
    switch (command.type) {
      case 'LogCall':
        return logCall(command, state);
      default: {
        const unhandled: never = command.type;
        throw new Error(`Unhandled call command ${String(unhandled)}`);
      }
    }
  },
};

function logCall(command: WithCustomerStatus<LogCall>, state: CallState): CallEvent[] {
  assertCustomerRegistered(command);
  assertNotRecorded(state, `Call ${command.callId}`, 'callId');
  if (!Number.isInteger(command.durationSeconds) || command.durationSeconds < 0) {
    throw refuse.rule('durationSeconds must be a whole number of seconds, 0 or more', 'durationSeconds');
  }
  // Asked apart since schema v2: only a call that reached the customer has a resolution.
  if ((command.connection === 'answered') !== (command.resolution !== null)) {
    throw refuse.rule(
      command.connection === 'answered' ? 'an answered call needs a resolution' : `a call with connection ${command.connection} has no resolution`,
      'resolution',
    );
  }
  const { customerId, callId, direction, durationSeconds, connection, resolution, agentId, summary } = command;
  return [{
    type: 'CallLogged',
    data: {
      customerId, callId, direction, durationSeconds, connection, resolution,
      ...(agentId !== undefined && { agentId }),
      ...(summary !== undefined && { summary }),
    },
  }];
}
