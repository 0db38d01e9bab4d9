// The command side of customers: one Nest command per intent family, handled as load → decide → append.
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { IDEMPOTENCY_KEYS, type IdempotencyKeys } from '@app/event-store';
import { CommandExecutor, type CommandContext, type CommandOutcome } from '@app/platform';
import type { CustomerCommand } from '../domain/customer.commands';
import { customerDecider } from '../domain/customer.decider';
import { streamIdForCustomerCommand } from '../domain/customer.streams';
import { ExternalIds } from './external-ids';

export class ExecuteCustomerCommand extends Command<CommandOutcome> {
  constructor(readonly command: CustomerCommand, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(ExecuteCustomerCommand)
export class ExecuteCustomerCommandHandler implements ICommandHandler<ExecuteCustomerCommand, CommandOutcome> {
  private readonly externalIds: ExternalIds;

  constructor(
    @Inject(CommandExecutor) private readonly executor: CommandExecutor,
    @Inject(IDEMPOTENCY_KEYS) keys: IdempotencyKeys,
  ) {
    this.externalIds = new ExternalIds(keys);
  }

  execute({ command, context }: ExecuteCustomerCommand): Promise<CommandOutcome> {
    if (command.type === 'RegisterCustomer' && command.externalId !== undefined) {
      return this.externalIds.claimedFor(command.externalId, command.customerId, () => this.run(command, context));
    }
    return this.run(command, context);
  }

  private run(command: CustomerCommand, context: CommandContext): Promise<CommandOutcome> {
    return this.executor.execute(
      {
        streamId: streamIdForCustomerCommand(command),
        decider: customerDecider,
        command,
        // Registering is the stream's creation: a retried registration is recognised without a key.
        naturalKey: command.type === 'RegisterCustomer' ? 'register' : undefined,
        chronological: true,
      },
      context,
    );
  }
}
