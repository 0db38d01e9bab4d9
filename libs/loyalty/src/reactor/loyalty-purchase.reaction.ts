// Turns purchases and refunds of the global log into loyalty commands: PurchaseCompleted earns,
// PurchaseRefunded reverses. Each command carries the purchase's business time and is keyed by
// order or refund, so a redelivered event changes nothing. A refusal (a refund of an order that
// earned nothing here) is logged and skipped: it would fail the same way on every redelivery.
// Points that are already past their expiry when they are earned (an imported 1997 purchase) are
// expired right away, as of their expiry instant, instead of counting until the next sweep.
import { Logger } from '@nestjs/common';
import { DomainErrorCode, systemClock, type Clock, type RecordedEvent } from '@app/event-sourcing';
import type { CommandContext, PipelineAlert } from '@app/platform';
import type { PurchaseCompleted, PurchaseRefunded } from '@app/interactions/domain/interaction.events';
import type { ExpirePoints, LoyaltyCommand } from '../domain/loyalty.commands';
import { addMonths, utc } from '../domain/calendar-months';
import { isRefusal, type LoyaltyCommands } from '../api/loyalty-commands';
import type { ReactionHandler } from '@app/transport';

export const LOYALTY_REACTOR_NAME = 'loyalty-reactor';

type Recorded<E extends { type: string; data: unknown }> = RecordedEvent<E['type'], E['data']>;

/** The loyalty command an event calls for, or null when loyalty does not react to it. */
/** The only events the reaction acts on: its subscription asks the store for these alone. */
export const LOYALTY_REACTION_TYPES: readonly string[] = ['PurchaseCompleted', 'PurchaseRefunded'];

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

/** The expiry to run right after an earn whose points are already expired at `now`; null otherwise. */
export function expiryDueOnEarn(command: LoyaltyCommand, expiryMonths: number, now: Date): ExpirePoints | null {
  if (command.type !== 'EarnForPurchase') return null;
  const expiresAt = addMonths(utc(command.at), expiryMonths);
  return Date.parse(expiresAt) <= now.getTime() ? { type: 'ExpirePoints', customerId: command.customerId, asOf: expiresAt } : null;
}

export function loyaltyPurchaseReaction(commands: LoyaltyCommands, logger = new Logger('LoyaltyReaction'), clock: Clock = systemClock): ReactionHandler {
  // Purchases whose points a rule refused (an earn that would take a balance beyond 2^53): they stay
  // in the log without points, so an operator is told on /health/ready and /metrics, not only in a
  // log line (found from outside: a thousand earns went by as warnings).
  const refused = { count: 0, last: undefined as Record<string, unknown> | undefined };
  const alerts = (): readonly PipelineAlert[] =>
    refused.count === 0
      ? []
      : [{ code: 'purchases-not-earned', message: 'Purchases the loyalty rules refused to earn or reverse points for (recorded, without points): see the last one', count: refused.count, ...(refused.last ? { last: refused.last } : {}) }];
  const handler = async (events: readonly RecordedEvent[]): Promise<void> => {
    // In log order: a refund always follows its purchase.
    for (const event of events) {
      const command = loyaltyCommandFor(event);
      if (command === null) continue;
      try {
        await commands.execute(command, reactionContext(event));
        const expiry = expiryDueOnEarn(command, commands.program.expiryMonths, clock.now());
        // Keyed by its instant (the lot's expiry): a redelivered purchase expires nothing twice.
        if (expiry) await commands.execute(expiry, { ...reactionContext(event), occurredAt: expiry.asOf });
      } catch (error) {
        if (!isRefusal(error)) throw error;
        logger.warn(`Skipped ${event.type} ${event.eventId} at position ${event.position}: ${error.message}`);
        if (error.code === DomainErrorCode.RuleViolated) {
          refused.count += 1;
          refused.last = { eventId: event.eventId, type: event.type, position: event.position, customerId: event.metadata.customerId, reason: error.message };
        }
      }
    }
  };
  return Object.assign(handler, { alerts });
}
