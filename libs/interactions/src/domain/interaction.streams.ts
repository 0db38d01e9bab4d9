// Which stream an interaction command targets and which customer it concerns, for the command side.
// Each stream is named by the source system's own id, so a retried publish lands on the same stream.
import { streamId } from '@app/event-sourcing';
import type { InteractionCommand } from './interaction.commands';

export const INTERACTION_STREAM_CATEGORIES = ['call', 'email', 'chat', 'order', 'survey', 'note'] as const;
export type InteractionStreamCategory = (typeof INTERACTION_STREAM_CATEGORIES)[number];

export function interactionStreamCategoryOf(command: InteractionCommand): InteractionStreamCategory {
  switch (command.type) {
    case 'LogCall':
      return 'call';
    case 'SendEmail':
    case 'ReceiveEmail':
    case 'OpenEmail':
    case 'ClickEmail':
      return 'email';
    case 'CompleteChat':
      return 'chat';
    case 'CompletePurchase':
    case 'RefundPurchase':
      return 'order';
    case 'AnswerSurvey':
      return 'survey';
    case 'AddNote':
      return 'note';
    default: {
      const unhandled: never = command;
      throw new Error(`Unhandled interaction command ${JSON.stringify(unhandled)}`);
    }
  }
}

/** The source's own id that names the stream (callId, messageId, orderId, ...). */
export function interactionSourceIdOf(command: InteractionCommand): string {
  switch (command.type) {
    case 'LogCall':
      return command.callId;
    case 'SendEmail':
    case 'ReceiveEmail':
    case 'OpenEmail':
    case 'ClickEmail':
      return command.messageId;
    case 'CompleteChat':
      return command.chatId;
    case 'CompletePurchase':
    case 'RefundPurchase':
      return command.orderId;
    case 'AnswerSurvey':
      return command.surveyId;
    case 'AddNote':
      return command.noteId;
    default: {
      const unhandled: never = command;
      throw new Error(`Unhandled interaction command ${JSON.stringify(unhandled)}`);
    }
  }
}

export function interactionStreamId(category: InteractionStreamCategory, sourceId: string): string {
  return streamId(category, sourceId);
}

export function streamIdForInteractionCommand(command: InteractionCommand): string {
  return interactionStreamId(interactionStreamCategoryOf(command), interactionSourceIdOf(command));
}

export function customerIdOfInteractionCommand(command: InteractionCommand): string {
  return command.customerId;
}
