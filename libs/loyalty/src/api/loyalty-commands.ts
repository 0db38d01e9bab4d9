// The one way into a loyalty account: load → decide → append through the CommandExecutor, with the
// natural key that makes each command idempotent (order, refund, redemption, adjustment, sweep
// instant). Commands on one account run one after another in this process: an account is a hot
// stream (reactor, console and sweep at once), and queuing locally avoids burning the executor's
// bounded retries on conflicts it would otherwise cause itself. Across processes, expected
// revisions and the executor's retries still guard the stream.
import { DomainError, type Decider, type DomainEvent } from '@app/event-sourcing';
import type { CommandContext, CommandExecutor, CommandOutcome } from '@app/platform';
import type { LoyaltyCommand } from '../domain/loyalty.commands';
import { loyaltyDecider } from '../domain/loyalty.decider';
import type { LoyaltyProgram } from '../domain/loyalty-program';
import { loyaltyStreamId } from '../domain/loyalty.streams';

export function naturalKeyOf(command: LoyaltyCommand): string {
  switch (command.type) {
    case 'EarnForPurchase':
      return `earn:${command.orderId}`;
    case 'ReverseForRefund':
      return `refund:${command.refundId}`;
    case 'Redeem':
      return `redeem:${command.redemptionId}`;
    case 'Adjust':
      return `adjust:${command.adjustmentId}`;
    case 'ExpirePoints':
      return `expire:${new Date(command.asOf).toISOString()}`;
    default: {
      const unhandled: never = command;
      throw new Error(`Unhandled loyalty command ${JSON.stringify(unhandled)}`);
    }
  }
}

export class LoyaltyCommands {
  private readonly decider: Decider<LoyaltyCommand, unknown, DomainEvent>;

  constructor(
    private readonly executor: CommandExecutor,
    readonly program: LoyaltyProgram,
  ) {
    this.decider = loyaltyDecider(program) as unknown as Decider<LoyaltyCommand, unknown, DomainEvent>;
  }

  /** An account's commands run one after another in this process (the executor queues each stream's). */
  execute(command: LoyaltyCommand, context: CommandContext): Promise<CommandOutcome> {
    return this.executor.execute({ streamId: loyaltyStreamId(command.customerId), decider: this.decider, command, naturalKey: naturalKeyOf(command), streamIdField: 'customerId' }, context);
  }
}

/** A refusal the caller should report rather than retry. */
export function isRefusal(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
