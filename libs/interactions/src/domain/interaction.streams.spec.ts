import type { InteractionCommand } from './interaction.commands';
import {
  customerIdOfInteractionCommand, interactionStreamCategoryOf, interactionStreamId, streamIdForInteractionCommand,
} from './interaction.streams';

const line = { sku: 's', name: 'n', category: 'c', quantity: 1, unitPriceMinor: 1 };

describe('interaction streams', () => {
  const cases: [InteractionCommand, string][] = [
    [{ type: 'LogCall', customerId: 'c1', callId: 'k1', direction: 'inbound', durationSeconds: 1, connection: 'answered', resolution: 'resolved' }, 'call-k1'],
    [{ type: 'SendEmail', customerId: 'c1', messageId: 'm1', subject: 's' }, 'email-m1'],
    [{ type: 'ReceiveEmail', customerId: 'c1', messageId: 'm2', subject: 's' }, 'email-m2'],
    [{ type: 'OpenEmail', customerId: 'c1', messageId: 'm3' }, 'email-m3'],
    [{ type: 'ClickEmail', customerId: 'c1', messageId: 'm4', url: 'u' }, 'email-m4'],
    [{ type: 'CompleteChat', customerId: 'c1', chatId: 't1', channel: 'web', messageCount: 1, durationSeconds: 1 }, 'chat-t1'],
    [{ type: 'CompletePurchase', customerId: 'c1', orderId: 'o1', channel: 'web', currency: 'EUR', lines: [line] }, 'order-o1'],
    [{ type: 'RefundPurchase', customerId: 'c1', orderId: 'o2', refundId: 'r', amountMinor: 1, currency: 'EUR' }, 'order-o2'],
    [{ type: 'AnswerSurvey', customerId: 'c1', surveyId: 's1', kind: 'nps', score: 1 }, 'survey-s1'],
    [{ type: 'AddNote', customerId: 'c1', noteId: 'n1', text: 't', authorId: 'a' }, 'note-n1'],
  ];

  it.each(cases.map(([command, stream]) => [command.type, command, stream] as const))('%s targets its source stream', (_type, command, stream) => {
    expect(streamIdForInteractionCommand(command)).toBe(stream);
    expect(interactionStreamCategoryOf(command)).toBe(stream.slice(0, stream.indexOf('-')));
    expect(customerIdOfInteractionCommand(command)).toBe('c1');
  });

  it('keeps dashes of the source id inside the stream id', () => {
    expect(interactionStreamId('order', 'web-2024-0001')).toBe('order-web-2024-0001');
  });
});
