// The command side of customers: one Nest command per intent family, handled as load → decide → append.
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { IDEMPOTENCY_KEYS, type IdempotencyKeys } from '@app/event-store';
import { CommandExecutor, type CommandContext, type CommandOutcome, type StreamCommand } from '@app/platform';
import type { CustomerCommand } from '../domain/customer.commands';
import { customerDecider, type CustomerState } from '../domain/customer.decider';
import type { CustomerEvent } from '../domain/customer.events';
import { streamIdForCustomerCommand } from '../domain/customer.streams';
import { ExternalIds } from './external-ids';

export class ExecuteCustomerCommand extends Command<CommandOutcome> {
  constructor(readonly command: CustomerCommand, readonly context: CommandContext) {
    super();
  }
}

/** The items of a batch, in order: one settled answer each. */
export class ExecuteCustomerCommands extends Command<PromiseSettledResult<CommandOutcome>[]> {
  constructor(readonly items: readonly { readonly command: CustomerCommand; readonly context: CommandContext }[]) {
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
    return this.executor.execute(customerRequest(command), context);
  }
}

function customerRequest(command: CustomerCommand): StreamCommand<CustomerCommand, CustomerState, CustomerEvent> {
  return {
    streamId: streamIdForCustomerCommand(command),
    decider: customerDecider,
    command,
    // Registering is the stream's creation: a retried registration is recognised without a key.
    naturalKey: command.type === 'RegisterCustomer' ? 'register' : undefined,
    opensStream: command.type === 'RegisterCustomer',
    chronological: true,
    streamIdField: 'customerId',
  };
}

@CommandHandler(ExecuteCustomerCommands)
export class ExecuteCustomerCommandsHandler implements ICommandHandler<ExecuteCustomerCommands, PromiseSettledResult<CommandOutcome>[]> {
  constructor(
    @Inject(CommandExecutor) private readonly executor: CommandExecutor,
    @Inject(ExecuteCustomerCommandHandler) private readonly single: ExecuteCustomerCommandHandler,
  ) {}

  /**
   * A registration with an externalId claims it before its append and settles the claim after, so
   * its stream's items run one by one as single commands; every other stream's items run together.
   */
  async execute({ items }: ExecuteCustomerCommands): Promise<PromiseSettledResult<CommandOutcome>[]> {
    const claiming = new Set(items.filter(({ command }) => command.type === 'RegisterCustomer' && command.externalId !== undefined).map(({ command }) => streamIdForCustomerCommand(command)));
    const together = items.flatMap((item, index) => (claiming.has(streamIdForCustomerCommand(item.command)) ? [] : [index]));
    const settled: PromiseSettledResult<CommandOutcome>[] = new Array(items.length);
    const alone = async (streamId: string) => {
      for (const [index, { command, context }] of items.entries()) {
        if (streamIdForCustomerCommand(command) !== streamId) continue;
        settled[index] = await this.single.execute(new ExecuteCustomerCommand(command, context)).then(
          (value): PromiseSettledResult<CommandOutcome> => ({ status: 'fulfilled', value }),
          (reason: unknown): PromiseSettledResult<CommandOutcome> => ({ status: 'rejected', reason }),
        );
      }
    };
    await Promise.all([
      (async () => {
        if (together.length === 0) return;
        const answers = await this.executor.executeMany(together.map((index) => ({ request: customerRequest(items[index].command), context: items[index].context })));
        answers.forEach((answer, at) => (settled[together[at]] = answer));
      })(),
      ...[...claiming].map(alone),
    ]);
    return settled;
  }
}
