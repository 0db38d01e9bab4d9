// Loyalty commands from the HTTP API, through the CommandBus into the account's stream.
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CustomerStatusLookup } from '@app/customers';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import type { CommandContext, CommandOutcome } from '@app/platform';
import type { Adjust, Redeem } from '../domain/loyalty.commands';
import { LoyaltyCommands } from './loyalty-commands';

/** What a client asks for; whether its customer is registered is the handler's to find out. */
export type LoyaltyRequest = Omit<Redeem, 'customerStatus'> | Omit<Adjust, 'customerStatus'>;

export class ExecuteLoyaltyCommand extends Command<CommandOutcome> {
  constructor(readonly command: LoyaltyRequest, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(ExecuteLoyaltyCommand)
export class ExecuteLoyaltyCommandHandler implements ICommandHandler<ExecuteLoyaltyCommand, CommandOutcome> {
  private readonly customers: CustomerStatusLookup;

  constructor(
    @Inject(LoyaltyCommands) private readonly commands: LoyaltyCommands,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    this.customers = new CustomerStatusLookup(store);
  }

  async execute({ command, context }: ExecuteLoyaltyCommand): Promise<CommandOutcome> {
    const customerStatus = await this.customers.of(command.customerId);
    return this.commands.execute({ ...command, customerStatus } as Redeem | Adjust, context);
  }
}
