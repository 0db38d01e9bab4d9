// Loyalty commands from the HTTP API, through the CommandBus into the account's stream.
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandOutcome } from '@app/platform';
import type { LoyaltyCommand } from '../domain/loyalty.commands';
import { LoyaltyCommands } from './loyalty-commands';

export class ExecuteLoyaltyCommand extends Command<CommandOutcome> {
  constructor(readonly command: LoyaltyCommand, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(ExecuteLoyaltyCommand)
export class ExecuteLoyaltyCommandHandler implements ICommandHandler<ExecuteLoyaltyCommand, CommandOutcome> {
  constructor(@Inject(LoyaltyCommands) private readonly commands: LoyaltyCommands) {}

  execute({ command, context }: ExecuteLoyaltyCommand): Promise<CommandOutcome> {
    return this.commands.execute(command, context);
  }
}
