// Turns purchases and refunds of the global log into loyalty commands: PurchaseCompleted earns,
// PurchaseRefunded reverses. Each command carries the purchase's business time and is keyed by
// order or refund, so a redelivered event changes nothing. A refusal (a refund of an order that
// earned nothing here) is logged and skipped: it would fail the same way on every redelivery.
import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@app/event-sourcing';
import type { CommandContext } from '@app/platform';
import type { PurchaseCompleted, PurchaseRefunded } from '@app/interactions/domain/interaction.events';
import type { LoyaltyCommand } from '../domain/loyalty.commands';
import { isRefusal, type LoyaltyCommands } from '../api/loyalty-commands';
import type { ReactionHandler } from '@app/transport';

export const LOYALTY_REACTOR_NAME = 'loyalty-reactor';

type Recorded<E extends { type: string; data: unknown }> = RecordedEvent<E['type'], E['data']>;

/** The loyalty command an event calls for, or null when loyalty does not react to it. */
export function loyaltyCommandFor(event: RecordedEvent): LoyaltyCommand | null {
  if (event.type === 'PurchaseCompleted') {
    const { data, metadata } = event as Recorded<PurchaseCompleted>;
    return {
      type: 'EarnForPurchase',
      customerId: data.customerId,
      orderId: data.orderId,
      currency: data.currency,
      lines: data.lines.map((line) => ({ category: line.category, amountMinor: line.quantity * line.unitPriceMinor })),
      at: metadata.occurredAt,
    };
  }
  if (event.type === 'PurchaseRefunded') {
    const { data, metadata } = event as Recorded<PurchaseRefunded>;
    return { type: 'ReverseForRefund', customerId: data.customerId, orderId: data.orderId, refundId: data.refundId, amountMinor: data.amountMinor, at: metadata.occurredAt };
  }
  return null;
}

/** Who the reactor's commands come from: the system, caused by the purchase event. */
export function reactionContext(event: RecordedEvent): CommandContext {
  return {
    actor: { type: 'system', id: LOYALTY_REACTOR_NAME },
    source: 'loyalty',
    correlationId: event.metadata.correlationId,
    causationId: event.eventId,
    occurredAt: event.metadata.occurredAt,
  };
}

export function loyaltyPurchaseReaction(commands: LoyaltyCommands, logger = new Logger('LoyaltyReaction')): ReactionHandler {
  return async (events) => {
    // In log order: a refund always follows its purchase.
    for (const event of events) {
      const command = loyaltyCommandFor(event);
      if (command === null) continue;
      try {
        await commands.execute(command, reactionContext(event));
      } catch (error) {
        if (!isRefusal(error)) throw error;
        logger.warn(`Skipped ${event.type} ${event.eventId} at position ${event.position}: ${error.message}`);
      }
    }
  };
}
