// Records an interaction: checks the customer exists (through the customer stream), then
// load → decide → append on the interaction's own stream; a batch does it for all its items at once.
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Decider, DomainEvent } from '@app/event-sourcing';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { CommandExecutor, type CommandContext, type CommandField, type CommandOutcome } from '@app/platform';
import { CustomerStatusLookup, type CustomerStatus, type WithCustomerStatus } from '@app/customers';
import { TicketOwnerLookup, type TicketOwner } from '@app/tickets';
import type { InteractionCommand } from '../domain/interaction.commands';
import { callDecider } from '../domain/call.decider';
import { chatDecider } from '../domain/chat.decider';
import { emailDecider } from '../domain/email.decider';
import { noteDecider } from '../domain/note.decider';
import { orderDecider } from '../domain/order.decider';
import { surveyDecider } from '../domain/survey.decider';

export class RecordInteraction extends Command<CommandOutcome> {
  constructor(readonly command: InteractionCommand, readonly context: CommandContext) {
    super();
  }
}

/** The items of a batch, in order: one settled answer each (CommandExecutor.executeMany). */
export class RecordInteractions extends Command<PromiseSettledResult<CommandOutcome>[]> {
  constructor(readonly items: readonly { readonly command: InteractionCommand; readonly context: CommandContext }[]) {
    super();
  }
}

type AnyDecider = Decider<WithCustomerStatus<InteractionCommand>, unknown, DomainEvent>;

interface Target {
  readonly streamId: string;
  readonly decider: AnyDecider;
  /** The command field carrying the stream's id (StreamCommand.streamIdField). */
  readonly streamIdField: CommandField<InteractionCommand>;
  /** Set where the source's own id makes a retry recognisable without an Idempotency-Key. */
  readonly naturalKey?: string;
  /** The command starts its stream (StreamCommand.opensStream). */
  readonly opensStream?: boolean;
}

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled interaction command ${JSON.stringify(value)}`);
}

/** The stream an interaction command targets, the field naming it, its decider, and its natural idempotency key. */
export function targetOf(command: InteractionCommand): Target {
  const as = (decider: unknown) => decider as AnyDecider;
  switch (command.type) {
    case 'LogCall':
      return { streamId: `call-${command.callId}`, streamIdField: 'callId', decider: as(callDecider), naturalKey: 'create', opensStream: true };
    case 'SendEmail':
    case 'ReceiveEmail':
      return { streamId: `email-${command.messageId}`, streamIdField: 'messageId', decider: as(emailDecider), naturalKey: 'create', opensStream: true };
    case 'OpenEmail':
    case 'ClickEmail':
      // Repeated opens and clicks are real facts; only an Idempotency-Key makes them retries.
      return { streamId: `email-${command.messageId}`, streamIdField: 'messageId', decider: as(emailDecider) };
    case 'CompleteChat':
      return { streamId: `chat-${command.chatId}`, streamIdField: 'chatId', decider: as(chatDecider), naturalKey: 'create', opensStream: true };
    case 'CompletePurchase':
      return { streamId: `order-${command.orderId}`, streamIdField: 'orderId', decider: as(orderDecider), naturalKey: 'create', opensStream: true };
    case 'RefundPurchase':
      return { streamId: `order-${command.orderId}`, streamIdField: 'orderId', decider: as(orderDecider), naturalKey: `refund:${command.refundId}` };
    case 'AnswerSurvey':
      return { streamId: `survey-${command.surveyId}`, streamIdField: 'surveyId', decider: as(surveyDecider), naturalKey: 'create', opensStream: true };
    case 'AddNote':
      return { streamId: `note-${command.noteId}`, streamIdField: 'noteId', decider: as(noteDecider), naturalKey: 'create', opensStream: true };
    default:
      return assertUnreachable(command);
  }
}

/** The ticket a command names besides its own stream (a survey about a ticket), if any. */
function ticketNamedBy(command: InteractionCommand): string | undefined {
  return command.type === 'AnswerSurvey' ? command.ticketId : undefined;
}

/** The command as its decider takes it: with its customer's status and, where it names a ticket, that ticket's owner. */
function withReferences(command: InteractionCommand, customerStatus: CustomerStatus, owners: ReadonlyMap<string, TicketOwner>) {
  const ticketId = ticketNamedBy(command);
  return { ...command, customerStatus, ...(ticketId !== undefined && { ticketOwner: owners.get(ticketId) ?? null }) };
}

@CommandHandler(RecordInteraction)
export class RecordInteractionHandler implements ICommandHandler<RecordInteraction, CommandOutcome> {
  private readonly customers: CustomerStatusLookup;
  private readonly tickets: TicketOwnerLookup;

  constructor(
    @Inject(CommandExecutor) private readonly executor: CommandExecutor,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    this.customers = new CustomerStatusLookup(store);
    this.tickets = new TicketOwnerLookup(store);
  }

  async execute({ command, context }: RecordInteraction): Promise<CommandOutcome> {
    const customerStatus = await this.customers.of(command.customerId);
    const ticketId = ticketNamedBy(command);
    const owners = new Map(ticketId === undefined ? [] : [[ticketId, await this.tickets.of(ticketId)]]);
    const target = targetOf(command);
    return this.executor.execute({ ...target, command: withReferences(command, customerStatus, owners), chronological: true }, context);
  }
}

@CommandHandler(RecordInteractions)
export class RecordInteractionsHandler implements ICommandHandler<RecordInteractions, PromiseSettledResult<CommandOutcome>[]> {
  private readonly customers: CustomerStatusLookup;
  private readonly tickets: TicketOwnerLookup;

  constructor(
    @Inject(CommandExecutor) private readonly executor: CommandExecutor,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    this.customers = new CustomerStatusLookup(store);
    this.tickets = new TicketOwnerLookup(store);
  }

  async execute({ items }: RecordInteractions): Promise<PromiseSettledResult<CommandOutcome>[]> {
    const statuses = await this.customers.ofMany(items.map(({ command }) => command.customerId));
    const owners = await this.tickets.ofMany(items.flatMap(({ command }) => ticketNamedBy(command) ?? []));
    return this.executor.executeMany(
      items.map(({ command, context }) => ({
        request: { ...targetOf(command), command: withReferences(command, statuses.get(command.customerId) as CustomerStatus, owners), chronological: true },
        context,
      })),
    );
  }
}
