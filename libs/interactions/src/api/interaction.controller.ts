// HTTP commands recording interactions: one endpoint per kind, and a batch endpoint with a result per item.
import { Body, Controller, HttpCode, Inject, Post, type Type } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Clock } from '@app/event-sourcing';
import {
  AcceptsIdempotencyKey,
  businessTime, CHRONICLE_CONFIG, ChronicleConfig, CLOCK, CommandOutcomeDto, Ctx, flattenValidationErrors, RequestValidationError, Roles, toProblem,
  type CommandOutcome, type Problem, type RequestContext,
} from '@app/platform';
import type { InteractionCommand } from '../domain/interaction.commands';
import { callResultOf, type CallResult } from '../domain/interaction.schemas';
import {
  AddNoteDto, AnswerSurveyDto, BatchDto, CALL_CONNECTIONS, CALL_RESOLUTIONS, ClickEmailDto, CompleteChatDto, CompletePurchaseDto, LogCallDto, OpenEmailDto, ReceiveEmailDto, RefundPurchaseDto, SendEmailDto,
  type InteractionKind,
} from './interaction.dtos';
import { RecordInteraction, targetOf } from './interaction.command-handler';

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

/** Each kind: its DTO and how it becomes a domain command. */
const KINDS: { readonly [K in InteractionKind]: { readonly dto: Type<object>; readonly toCommand: (dto: never) => InteractionCommand } } = {
  call: { dto: LogCallDto, toCommand: (d: LogCallDto) => ({ type: 'LogCall', customerId: d.customerId, callId: d.callId, direction: d.direction, durationSeconds: d.durationSeconds, ...callResult(d), ...opt('agentId', d.agentId), ...opt('summary', d.summary) }) },
  'email-sent': { dto: SendEmailDto, toCommand: (d: SendEmailDto) => ({ type: 'SendEmail', customerId: d.customerId, messageId: d.messageId, subject: d.subject, ...opt('campaignId', d.campaignId) }) },
  'email-received': { dto: ReceiveEmailDto, toCommand: (d: ReceiveEmailDto) => ({ type: 'ReceiveEmail', customerId: d.customerId, messageId: d.messageId, subject: d.subject }) },
  'email-opened': { dto: OpenEmailDto, toCommand: (d: OpenEmailDto) => ({ type: 'OpenEmail', customerId: d.customerId, messageId: d.messageId }) },
  'email-clicked': { dto: ClickEmailDto, toCommand: (d: ClickEmailDto) => ({ type: 'ClickEmail', customerId: d.customerId, messageId: d.messageId, url: d.url }) },
  chat: { dto: CompleteChatDto, toCommand: (d: CompleteChatDto) => ({ type: 'CompleteChat', customerId: d.customerId, chatId: d.chatId, channel: d.channel, messageCount: d.messageCount, durationSeconds: d.durationSeconds, ...opt('agentId', d.agentId), ...opt('summary', d.summary) }) },
  purchase: { dto: CompletePurchaseDto, toCommand: (d: CompletePurchaseDto) => ({ type: 'CompletePurchase', customerId: d.customerId, orderId: d.orderId, channel: d.channel, currency: d.currency, lines: d.lines.map((l) => ({ sku: l.sku, name: l.name, category: l.category, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor })) }) },
  refund: { dto: RefundPurchaseDto, toCommand: (d: RefundPurchaseDto) => ({ type: 'RefundPurchase', customerId: d.customerId, orderId: d.orderId, refundId: d.refundId, amountMinor: d.amountMinor, currency: d.currency, ...opt('reason', d.reason) }) },
  survey: { dto: AnswerSurveyDto, toCommand: (d: AnswerSurveyDto) => ({ type: 'AnswerSurvey', customerId: d.customerId, surveyId: d.surveyId, kind: d.kind, score: d.score, ...opt('comment', d.comment), ...opt('ticketId', d.ticketId) }) },
  note: { dto: AddNoteDto, toCommand: (d: AddNoteDto) => ({ type: 'AddNote', customerId: d.customerId, noteId: d.noteId, text: d.text, authorId: d.authorId }) },
};

export interface BatchItemResult {
  readonly index: number;
  readonly status: number;
  readonly outcome?: CommandOutcome;
  readonly problem?: Problem;
}

@ApiTags('interactions')
@ApiBearerAuth()
@AcceptsIdempotencyKey()
@Controller({ path: 'interactions', version: '1' })
export class InteractionController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
  ) {}

  private record(kind: InteractionKind, body: { occurredAt?: string }, ctx: RequestContext): Promise<CommandOutcome> {
    const command = KINDS[kind].toCommand(body as never);
    return this.commandBus.execute(new RecordInteraction(command, { ...ctx, occurredAt: businessTime(body.occurredAt, this.clock.now()) }));
  }

  @Post('calls') @Roles('ingest', 'support') @ApiOperation({ summary: 'Log a phone call' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  logCall(@Body() body: LogCallDto, @Ctx() ctx: RequestContext) { return this.record('call', body, ctx); }

  @Post('emails/sent') @Roles('ingest') @ApiOperation({ summary: 'An email was sent to the customer' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  sendEmail(@Body() body: SendEmailDto, @Ctx() ctx: RequestContext) { return this.record('email-sent', body, ctx); }

  @Post('emails/received') @Roles('ingest') @ApiOperation({ summary: 'An email from the customer was received' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  receiveEmail(@Body() body: ReceiveEmailDto, @Ctx() ctx: RequestContext) { return this.record('email-received', body, ctx); }

  @Post('emails/opened') @Roles('ingest') @ApiOperation({ summary: 'The customer opened a sent email' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  openEmail(@Body() body: OpenEmailDto, @Ctx() ctx: RequestContext) { return this.record('email-opened', body, ctx); }

  @Post('emails/clicked') @Roles('ingest') @ApiOperation({ summary: 'The customer clicked a link in a sent email' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  clickEmail(@Body() body: ClickEmailDto, @Ctx() ctx: RequestContext) { return this.record('email-clicked', body, ctx); }

  @Post('chats') @Roles('ingest', 'support') @ApiOperation({ summary: 'A chat conversation ended' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  completeChat(@Body() body: CompleteChatDto, @Ctx() ctx: RequestContext) { return this.record('chat', body, ctx); }

  @Post('purchases') @Roles('ingest') @ApiOperation({ summary: 'A purchase was completed' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  completePurchase(@Body() body: CompletePurchaseDto, @Ctx() ctx: RequestContext) { return this.record('purchase', body, ctx); }

  @Post('refunds') @Roles('ingest', 'support') @ApiOperation({ summary: 'Refund (part of) a purchase; never above what is left' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  refund(@Body() body: RefundPurchaseDto, @Ctx() ctx: RequestContext) { return this.record('refund', body, ctx); }

  @Post('surveys') @Roles('ingest') @ApiOperation({ summary: 'A survey was answered (NPS 0–10 or CSAT 1–5)' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  answerSurvey(@Body() body: AnswerSurveyDto, @Ctx() ctx: RequestContext) { return this.record('survey', body, ctx); }

  @Post('notes') @Roles('ingest', 'support') @ApiOperation({ summary: 'Add a note to the customer' }) @ApiResponse({ status: 201, type: CommandOutcomeDto })
  addNote(@Body() body: AddNoteDto, @Ctx() ctx: RequestContext) { return this.record('note', body, ctx); }

  @Post('batch')
  @HttpCode(200)
  @Roles('ingest')
  @ApiOperation({
    summary: 'Record up to MAX_BATCH_SIZE interactions; each item is validated and recorded on its own',
    description: 'Answers 200 with one result per item (status 201 or the item\'s own 4xx problem). Items for the same stream are applied in order.',
  })
  async batch(@Body() body: BatchDto, @Ctx() ctx: RequestContext): Promise<{ accepted: number; rejected: number; results: BatchItemResult[] }> {
    if (body.items.length > this.config.MAX_BATCH_SIZE) {
      throw new RequestValidationError([{ field: 'items', message: `items must contain at most ${this.config.MAX_BATCH_SIZE} entries (MAX_BATCH_SIZE)` }]);
    }
    const results: BatchItemResult[] = new Array(body.items.length);
    const groups = new Map<string, { index: number; command: InteractionCommand; occurredAt: string }[]>();
    const now = this.clock.now();
    await Promise.all(
      body.items.map(async (raw, index) => {
        try {
          const { type, ...fields } = (raw ?? {}) as { type?: unknown };
          const spec = typeof type === 'string' && Object.hasOwn(KINDS, type) ? KINDS[type as InteractionKind] : undefined;
          if (!spec) {
            throw new RequestValidationError([{ field: `items[${index}].type`, message: `type must be one of ${Object.keys(KINDS).join(', ')}` }]);
          }
          const dto = plainToInstance(spec.dto, fields) as { occurredAt?: string };
          const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
          if (errors.length > 0) throw new RequestValidationError(flattenValidationErrors(errors, `items[${index}]`));
          const command = spec.toCommand(dto as never);
          const streamId = targetOf(command).streamId;
          const group = groups.get(streamId) ?? [];
          group.push({ index, command, occurredAt: businessTime(dto.occurredAt, now) });
          groups.set(streamId, group);
        } catch (error) {
          results[index] = { index, status: toProblem(error).status, problem: toProblem(error) };
        }
      }),
    );
    // Streams in parallel (their appends share group commits); items of one stream in order.
    await Promise.all(
      [...groups.values()].map(async (group) => {
        for (const item of group) {
          // The batch holds its key as a whole; each item without a natural key derives its event ids from it and its index.
          const itemCtx = { ...ctx, ...(ctx.idempotency !== undefined ? { idempotency: { ...ctx.idempotency, item: item.index } } : {}), occurredAt: item.occurredAt };
          try {
            const outcome = await this.commandBus.execute(new RecordInteraction(item.command, itemCtx));
            results[item.index] = { index: item.index, status: 201, outcome };
          } catch (error) {
            const problem = toProblem(error);
            if (problem.status >= 500) throw error;
            results[item.index] = { index: item.index, status: problem.status, problem };
          }
        }
      }),
    );
    const accepted = results.filter((r) => r.status < 300).length;
    return { accepted, rejected: results.length - accepted, results };
  }
}
