import { DomainError, DomainErrorCode } from '@app/event-sourcing';
import { callDecider } from './call.decider';
import { chatDecider } from './chat.decider';
import { emailDecider } from './email.decider';
import { decideInteraction, interactionDeciders } from './interaction.deciders';
import type { InteractionEvent } from './interaction.events';
import { INTERACTION_STREAM_CATEGORIES } from './interaction.streams';
import { noteDecider } from './note.decider';
import { orderDecider } from './order.decider';
import { surveyDecider } from './survey.decider';

describe('interaction deciders', () => {
  it('has one decider per stream category', () => {
    expect(Object.keys(interactionDeciders).sort()).toEqual([...INTERACTION_STREAM_CATEGORIES].sort());
    expect(interactionDeciders).toStrictEqual({
      call: callDecider, email: emailDecider, chat: chatDecider, order: orderDecider, survey: surveyDecider, note: noteDecider,
    });
  });

  describe('decideInteraction', () => {
    const completed: InteractionEvent = {
      type: 'PurchaseCompleted',
      data: { customerId: 'c1', orderId: 'o1', channel: 'app', currency: 'EUR', lines: [{ sku: 's', name: 'n', category: 'c', quantity: 2, unitPriceMinor: 500 }], totalMinor: 1000 },
    };

    it("decides against the history of the command's stream", () => {
      expect(decideInteraction({ type: 'RefundPurchase', customerStatus: 'active', customerId: 'c1', orderId: 'o1', refundId: 'r1', amountMinor: 1000, currency: 'EUR' }, [completed]))
        .toStrictEqual([{ type: 'PurchaseRefunded', data: { customerId: 'c1', orderId: 'o1', refundId: 'r1', amountMinor: 1000, currency: 'EUR' } }]);
    });

    it('passes on the refusals of that decider', () => {
      const decide = () => decideInteraction({ type: 'RefundPurchase', customerStatus: 'active', customerId: 'c1', orderId: 'o1', refundId: 'r1', amountMinor: 1001, currency: 'EUR' }, [completed]);
      expect(decide).toThrow(DomainError);
      expect(decide).toThrow(expect.objectContaining({ code: DomainErrorCode.RuleViolated, field: 'amountMinor' }));
    });

    it('creates a single-shot stream from an empty history', () => {
      expect(decideInteraction({ type: 'AddNote', customerStatus: 'active', customerId: 'c1', noteId: 'n1', text: 'hi', authorId: 'a1' }, []))
        .toStrictEqual([{ type: 'NoteAdded', data: { customerId: 'c1', noteId: 'n1', text: 'hi', authorId: 'a1' } }]);
    });
  });
});
