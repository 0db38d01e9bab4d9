// HTTP commands recording interactions: one endpoint per kind, and a batch endpoint with a result per item.
import { Body, Controller, HttpCode, Inject, Optional, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Clock } from '@app/event-sourcing';
import {
  AcceptsIdempotencyKey, ApiAnswer, ApiRefusals,
  BATCH_RUNNER, BatchRoutes, CHRONICLE_CONFIG, ChronicleConfig, CLOCK, commandTime, Ctx, RequestValidationError, Roles,
  type BatchAnswer, type BatchOptions, type BatchRunner, type CommandOutcome, type RequestContext,
} from '@app/platform';
import type { InteractionCommand } from '../domain/interaction.commands';
import { callResultOf, type CallResult } from '../domain/interaction.schemas';
import {
  AddNoteDto, AnswerSurveyDto, BatchDto, CALL_CONNECTIONS, CALL_RESOLUTIONS, ClickEmailDto, CompleteChatDto, CompletePurchaseDto, INTERACTION_BATCH_ITEMS, LogCallDto, OpenEmailDto, ReceiveEmailDto, RefundPurchaseDto, SendEmailDto,
  type InteractionKind,
} from './interaction.dtos';
import { RecordInteraction, RecordInteractions } from './interaction.command-handler';

const opt = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

/**
 * A call's connection and resolution: as given (schema v2), or read from the older `outcome` by the
 * same mapping that lifts stored v1 events. Both forms at once would be ambiguous.
 */
function callResult(d: LogCallDto): CallResult {
  if (d.outcome !== undefined) {
    if (d.connection !== undefined || d.resolution !== undefined) {
      throw new RequestValidationError([{ field: 'outcome', message: 'give either outcome (older form) or connection and resolution, not both' }]);
    }
    return callResultOf(d.outcome);
  }
  if (d.connection === undefined) {
    throw new RequestValidationError([{ field: 'connection', message: `connection must be one of ${CALL_CONNECTIONS.join(', ')}` }]);
  }
  if (d.connection === 'answered' && (d.resolution === undefined || d.resolution === null)) {
    throw new RequestValidationError([{ field: 'resolution', message: `an answered call needs a resolution: one of ${CALL_RESOLUTIONS.join(', ')}` }]);
  }
  if (d.connection !== 'answered' && d.resolution !== undefined && d.resolution !== null) {
    throw new RequestValidationError([{ field: 'resolution', message: `a call with connection ${d.connection} has no resolution` }]);
  }
  return { connection: d.connection, resolution: d.resolution ?? null };
}

/** How each kind's DTO (INTERACTION_BATCH_ITEMS) becomes a domain command. */
const COMMANDS: { readonly [K in InteractionKind]: (dto: never) => InteractionCommand } = {
  call: (d: LogCallDto) => ({ type: 'LogCall', customerId: d.customerId, callId: d.callId, direction: d.direction, durationSeconds: d.durationSeconds, ...callResult(d), ...opt('agentId', d.agentId), ...opt('summary', d.summary) }),
  'email-sent': (d: SendEmailDto) => ({ type: 'SendEmail', customerId: d.customerId, messageId: d.messageId, subject: d.subject, ...opt('campaignId', d.campaignId) }),
  'email-received': (d: ReceiveEmailDto) => ({ type: 'ReceiveEmail', customerId: d.customerId, messageId: d.messageId, subject: d.subject }),
  'email-opened': (d: OpenEmailDto) => ({ type: 'OpenEmail', customerId: d.customerId, messageId: d.messageId }),
  'email-clicked': (d: ClickEmailDto) => ({ type: 'ClickEmail', customerId: d.customerId, messageId: d.messageId, url: d.url }),
  chat: (d: CompleteChatDto) => ({ type: 'CompleteChat', customerId: d.customerId, chatId: d.chatId, channel: d.channel, messageCount: d.messageCount, durationSeconds: d.durationSeconds, ...opt('agentId', d.agentId), ...opt('summary', d.summary) }),
  purchase: (d: CompletePurchaseDto) => ({ type: 'CompletePurchase', customerId: d.customerId, orderId: d.orderId, channel: d.channel, currency: d.currency, lines: d.lines.map((l) => ({ sku: l.sku, name: l.name, category: l.category, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor })) }),
  refund: (d: RefundPurchaseDto) => ({ type: 'RefundPurchase', customerId: d.customerId, orderId: d.orderId, refundId: d.refundId, amountMinor: d.amountMinor, currency: d.currency, ...opt('reason', d.reason) }),
  survey: (d: AnswerSurveyDto) => ({ type: 'AnswerSurvey', customerId: d.customerId, surveyId: d.surveyId, kind: d.kind, score: d.score, ...opt('comment', d.comment), ...opt('ticketId', d.ticketId) }),
  note: (d: AddNoteDto) => ({ type: 'AddNote', customerId: d.customerId, noteId: d.noteId, text: d.text, authorId: d.authorId }),
};

@ApiTags('interactions')
@ApiBearerAuth()
@AcceptsIdempotencyKey()
@Controller({ path: 'interactions', version: '1' })
export class InteractionController {
  private readonly batches: BatchRunner;

  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
    routes: BatchRoutes,
    @Optional() @Inject(BATCH_RUNNER) runner?: BatchRunner,
  ) {
    routes.register('interactions', (now) => this.batchRoute(now));
    this.batches = runner ?? routes;
  }

  private record(kind: InteractionKind, body: { occurredAt?: string }, ctx: RequestContext): Promise<CommandOutcome> {
    const command = COMMANDS[kind](body as never);
    return this.commandBus.execute(new RecordInteraction(command, { ...ctx, ...commandTime(body.occurredAt, this.clock.now()) }));
  }

  @Post('calls') @Roles('ingest', 'support') @ApiOperation({ summary: 'Log a phone call' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered.', 409: 'The callId is recorded with other data.' })
  logCall(@Body() body: LogCallDto, @Ctx() ctx: RequestContext) { return this.record('call', body, ctx); }

  @Post('emails/sent') @Roles('ingest') @ApiOperation({ summary: 'An email was sent to the customer' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered.', 409: 'The messageId is recorded with other data.' })
  sendEmail(@Body() body: SendEmailDto, @Ctx() ctx: RequestContext) { return this.record('email-sent', body, ctx); }

  @Post('emails/received') @Roles('ingest') @ApiOperation({ summary: 'An email from the customer was received' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered.', 409: 'The messageId is recorded with other data.' })
  receiveEmail(@Body() body: ReceiveEmailDto, @Ctx() ctx: RequestContext) { return this.record('email-received', body, ctx); }

  @Post('emails/opened') @Roles('ingest') @ApiOperation({ summary: 'The customer opened a sent email' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered, or no email with the messageId was sent or received.', 422: 'The email is another customer\'s, or one the customer sent us (opens and clicks are tracked on sent emails), or occurredAt lies before its latest event.' })
  openEmail(@Body() body: OpenEmailDto, @Ctx() ctx: RequestContext) { return this.record('email-opened', body, ctx); }

  @Post('emails/clicked') @Roles('ingest') @ApiOperation({ summary: 'The customer clicked a link in a sent email' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered, or no email with the messageId was sent or received.', 422: 'The email is another customer\'s, or one the customer sent us (opens and clicks are tracked on sent emails), or occurredAt lies before its latest event.' })
  clickEmail(@Body() body: ClickEmailDto, @Ctx() ctx: RequestContext) { return this.record('email-clicked', body, ctx); }

  @Post('chats') @Roles('ingest', 'support') @ApiOperation({ summary: 'A chat conversation ended' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered.', 409: 'The chatId is recorded with other data.' })
  completeChat(@Body() body: CompleteChatDto, @Ctx() ctx: RequestContext) { return this.record('chat', body, ctx); }

  @Post('purchases') @Roles('ingest') @ApiOperation({ summary: 'A purchase was completed' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered.', 409: 'The orderId is recorded with other data.' })
  completePurchase(@Body() body: CompletePurchaseDto, @Ctx() ctx: RequestContext) { return this.record('purchase', body, ctx); }

  @Post('refunds') @Roles('ingest', 'support') @ApiOperation({ summary: 'Refund (part of) a purchase; never above what is left' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered, or no order with the orderId was completed.', 409: 'The refundId is recorded with another amount.', 422: 'The order is another customer\'s, or the refund exceeds what is left of it, is in another currency, or lies before the purchase.' })
  refund(@Body() body: RefundPurchaseDto, @Ctx() ctx: RequestContext) { return this.record('refund', body, ctx); }

  @Post('surveys') @Roles('ingest') @ApiOperation({ summary: 'A survey was answered (NPS 0–10 or CSAT 1–5)' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered, or the ticketId names no ticket.', 409: 'The surveyId is recorded with other data.', 422: 'The ticketId names another customer\'s ticket.' })
  answerSurvey(@Body() body: AnswerSurveyDto, @Ctx() ctx: RequestContext) { return this.record('survey', body, ctx); }

  @Post('notes') @Roles('ingest', 'support') @ApiOperation({ summary: 'Add a note to the customer' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered.', 409: 'The noteId is recorded with other data.' })
  addNote(@Body() body: AddNoteDto, @Ctx() ctx: RequestContext) { return this.record('note', body, ctx); }

  @Post('batch')
  @HttpCode(200)
  @Roles('ingest')
  @ApiOperation({
    summary: 'Record up to MAX_BATCH_SIZE interactions; each item is validated and recorded on its own',
    description: 'Answers 200 with one result per item (status 201 or the item\'s own 4xx problem). Items for the same stream are applied in order.',
  })
  @ApiAnswer(200, 'InteractionBatchAnswer', 'One result per item, in order')
  batch(@Body() body: BatchDto, @Ctx() ctx: RequestContext): Promise<BatchAnswer<CommandOutcome>> {
    return this.batches.run('interactions', body.items, ctx, this.clock.now());
  }

  /** How a batch's items are validated and recorded (wherever the process runs its batches: BATCH_RUNNER). */
  private batchRoute(now: Date): BatchOptions<InteractionCommand, CommandOutcome> {
    return {
      maxItems: this.config.MAX_BATCH_SIZE,
      execute: (items) => this.commandBus.execute(new RecordInteractions(items.map(({ prepared, context }) => ({ command: prepared, context })))),
      prepare: async (raw, index) => {
        const { kind, dto } = await INTERACTION_BATCH_ITEMS.validate(raw, `items[${index}]`);
        return { ...commandTime((dto as { occurredAt?: string }).occurredAt, now), prepared: COMMANDS[kind](dto as never) };
      },
    };
  }
}

