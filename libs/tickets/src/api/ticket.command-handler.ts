// The ticket lifecycle: opening checks the customer exists; every command is load → decide → append.
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Decider, DomainEvent } from '@app/event-sourcing';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { CommandExecutor, type CommandContext, type CommandOutcome } from '@app/platform';
import { CustomerStatusLookup, type CustomerStatus } from '@app/customers';
import type { TicketCommand } from '../domain/ticket.commands';
import { ticketDecider } from '../domain/ticket.decider';

export class ExecuteTicketCommand extends Command<CommandOutcome> {
  constructor(readonly command: TicketCommand, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(ExecuteTicketCommand)
export class ExecuteTicketCommandHandler implements ICommandHandler<ExecuteTicketCommand, CommandOutcome> {
  private readonly customers: CustomerStatusLookup;

  constructor(
    @Inject(CommandExecutor) private readonly executor: CommandExecutor,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    this.customers = new CustomerStatusLookup(store);
  }

  async execute({ command, context }: ExecuteTicketCommand): Promise<CommandOutcome> {
    let customerStatus: CustomerStatus = 'active';
    if (command.type === 'OpenTicket') {
      customerStatus = await this.customers.of(command.customerId);
    }
    return this.executor.execute(
      {
        streamId: `ticket-${command.ticketId}`,
        decider: ticketDecider as unknown as Decider<TicketCommand & { customerStatus: CustomerStatus }, unknown, DomainEvent>,
        command: { ...command, customerStatus },
        naturalKey: command.type === 'OpenTicket' ? 'create' : undefined,
        opensStream: command.type === 'OpenTicket',
        chronological: true,
        streamIdField: 'ticketId',
      },
      context,
    );
  }
}
