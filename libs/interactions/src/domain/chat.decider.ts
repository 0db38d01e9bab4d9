// One completed chat conversation (`chat-<chatId>`).
import { refuse, type Decider } from '@app/event-sourcing';
import { assertCustomerRegistered, type WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { ChatCommand, CompleteChat } from './interaction.commands';
import type { ChatEvent } from './interaction.events';
import { assertNotRecorded, evolveSingleShot, initialSingleShotState, type SingleShotState } from './single-shot-stream';

export type ChatState = SingleShotState;

export const chatDecider: Decider<WithCustomerStatus<ChatCommand>, ChatState, ChatEvent> = {
  initialState: initialSingleShotState,
  evolve: evolveSingleShot,
  decide(command, state) {
    switch (command.type) {
      case 'CompleteChat':
        return completeChat(command, state);
      default: {
        const unhandled: never = command.type;
        throw new Error(`Unhandled chat command ${String(unhandled)}`);
      }
    }
  },
};

function completeChat(command: WithCustomerStatus<CompleteChat>, state: ChatState): ChatEvent[] {
  assertCustomerRegistered(command);
  assertNotRecorded(state, `Chat ${command.chatId}`, 'chatId');
  if (!Number.isInteger(command.messageCount) || command.messageCount < 1) {
    throw refuse.rule('A chat has at least one message (messageCount must be a whole number, 1 or more)', 'messageCount');
  }
  if (!Number.isInteger(command.durationSeconds) || command.durationSeconds < 0) {
    throw refuse.rule('durationSeconds must be a whole number of seconds, 0 or more', 'durationSeconds');
  }
  const { customerId, chatId, channel, messageCount, durationSeconds, agentId, summary } = command;
  return [{
    type: 'ChatCompleted',
    data: {
      customerId, chatId, channel, messageCount, durationSeconds,
      ...(agentId !== undefined && { agentId }),
      ...(summary !== undefined && { summary }),
    },
  }];
}
