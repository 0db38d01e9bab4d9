// The decider of each interaction stream category, for code that handles any interaction stream
// (a generic command handler, replay, verification).
import { fold } from '@app/event-sourcing';
import type { WithCustomerStatus } from '@app/customers/domain/customer-status';
import { callDecider } from './call.decider';
import { chatDecider } from './chat.decider';
import { emailDecider } from './email.decider';
import type { InteractionCommand } from './interaction.commands';
import type { CallEvent, ChatEvent, EmailEvent, InteractionEvent, NoteEvent, OrderEvent, SurveyEvent } from './interaction.events';
import type { InteractionStreamCategory } from './interaction.streams';
import { noteDecider } from './note.decider';
import { orderDecider } from './order.decider';
import { surveyDecider } from './survey.decider';

export const interactionDeciders = {
  call: callDecider,
  email: emailDecider,
  chat: chatDecider,
  order: orderDecider,
  survey: surveyDecider,
  note: noteDecider,
} as const satisfies Record<InteractionStreamCategory, unknown>;

/**
 * Folds the history of the stream the command targets with that stream's decider and decides.
 * `history` must be the events read from `streamIdForInteractionCommand(command)`, so they are
 * that category's events; the casts below only restate this.
 */
export function decideInteraction(command: WithCustomerStatus<InteractionCommand>, history: readonly InteractionEvent[]): InteractionEvent[] {
  switch (command.type) {
    case 'LogCall':
      return callDecider.decide(command, fold(callDecider, history as readonly CallEvent[]));
    case 'SendEmail':
    case 'ReceiveEmail':
    case 'OpenEmail':
    case 'ClickEmail':
      return emailDecider.decide(command, fold(emailDecider, history as readonly EmailEvent[]));
    case 'CompleteChat':
      return chatDecider.decide(command, fold(chatDecider, history as readonly ChatEvent[]));
    case 'CompletePurchase':
    case 'RefundPurchase':
      return orderDecider.decide(command, fold(orderDecider, history as readonly OrderEvent[]));
    case 'AnswerSurvey':
      return surveyDecider.decide(command, fold(surveyDecider, history as readonly SurveyEvent[]));
    case 'AddNote':
      return noteDecider.decide(command, fold(noteDecider, history as readonly NoteEvent[]));
    default: {
      const unhandled: never = command;
      throw new Error(`Unhandled interaction command ${JSON.stringify(unhandled)}`);
    }
  }
}
