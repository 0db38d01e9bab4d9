import { DeciderSpecification, DomainError, DomainErrorCode, fold } from '@app/event-sourcing';
import type { WithCustomerStatus } from '@app/customers/domain/customer-status';
import { chatDecider } from './chat.decider';
import type { CompleteChat } from './interaction.commands';
import type { ChatEvent } from './interaction.events';

const spec = DeciderSpecification.for(chatDecider);

const completeChat: WithCustomerStatus<CompleteChat> = {
  type: 'CompleteChat', customerStatus: 'active', customerId: 'c1', chatId: 't1',
  channel: 'whatsapp', messageCount: 12, durationSeconds: 540, agentId: 'agent-3', summary: 'Delivery date',
};
const completed: ChatEvent = {
  type: 'ChatCompleted',
  data: { customerId: 'c1', chatId: 't1', channel: 'whatsapp', messageCount: 12, durationSeconds: 540, agentId: 'agent-3', summary: 'Delivery date' },
};

function refusalOf(given: readonly ChatEvent[], command: WithCustomerStatus<CompleteChat>): DomainError {
  try {
    chatDecider.decide(command, fold(chatDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('Expected a refusal');
}

describe('chat decider', () => {
  it('records a completed chat', () => {
    spec.given([]).when(completeChat).then([completed]);
  });

  it('records a one-message chat without optional fields', () => {
    spec.given([]).when({ type: 'CompleteChat', customerStatus: 'active', customerId: 'c1', chatId: 't2', channel: 'web', messageCount: 1, durationSeconds: 0 })
      .then([{ type: 'ChatCompleted', data: { customerId: 'c1', chatId: 't2', channel: 'web', messageCount: 1, durationSeconds: 0 } }]);
  });

  it('refuses a chat for an unknown customer', () => {
    const command = { ...completeChat, customerStatus: 'unknown' as const };
    spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
    expect(refusalOf([], command).field).toBe('customerId');
  });

  it('refuses recording the same chat twice', () => {
    spec.given([completed]).when(completeChat).thenThrows(DomainErrorCode.AlreadyExists, 'Chat t1 is already recorded');
    expect(refusalOf([completed], completeChat).field).toBe('chatId');
  });

  it.each([0, -2, 2.5])('refuses a message count of %p', (messageCount) => {
    const command = { ...completeChat, messageCount };
    spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'at least one message');
    expect(refusalOf([], command).field).toBe('messageCount');
  });

  it.each([-1, 0.5])('refuses a duration of %p seconds', (durationSeconds) => {
    const command = { ...completeChat, durationSeconds };
    spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'durationSeconds');
    expect(refusalOf([], command).field).toBe('durationSeconds');
  });
});
