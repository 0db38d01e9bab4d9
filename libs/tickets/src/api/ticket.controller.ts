// HTTP commands of the ticket lifecycle.
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Clock } from '@app/event-sourcing';
import { AcceptsIdempotencyKey, ApiAnswer, ApiRefusals, CLOCK, commandTime, Ctx, IdParam, Roles, type CommandOutcome, type RequestContext } from '@app/platform';
import type { TicketCommand } from '../domain/ticket.commands';
import { defaultSlaPolicy } from '../domain/ticket-sla-policy';
import { AddTicketNoteDto, AssignTicketDto, ChangeTicketPriorityDto, CloseTicketDto, OpenTicketDto, ReopenTicketDto, ReplyToTicketDto, ResolveTicketDto } from './ticket.dtos';
import { ExecuteTicketCommand } from './ticket.command-handler';

@ApiTags('tickets')
@ApiBearerAuth()
@AcceptsIdempotencyKey()
@Controller({ path: 'tickets', version: '1' })
export class TicketController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private run(command: TicketCommand, occurredAt: string | undefined, ctx: RequestContext): Promise<CommandOutcome> {
    return this.commandBus.execute(new ExecuteTicketCommand(command, { ...ctx, ...commandTime(occurredAt, this.clock.now()) }));
  }

  @Post() @Roles('ingest', 'support') @ApiOperation({ summary: 'Open a ticket' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'The customer is not registered.', 409: 'The ticketId is recorded with other data.' })
  open(@Body() b: OpenTicketDto, @Ctx() ctx: RequestContext) {
    const sla = b.sla ? { ...b.sla } : defaultSlaPolicy(b.priority);
    return this.run({ type: 'OpenTicket', customerId: b.customerId, ticketId: b.ticketId, subject: b.subject, channel: b.channel, priority: b.priority, sla }, b.occurredAt, ctx);
  }

  @Post(':ticketId/assign') @HttpCode(200) @Roles('ingest', 'support') @ApiOperation({ summary: 'Assign to an agent' }) @ApiAnswer(200, 'CommandOutcome') @ApiRefusals({ 404: 'No ticket with this id.', 409: 'The ticket\'s state does not allow it (a closed ticket takes nothing more).', 422: 'occurredAt lies before the ticket\'s latest event.' })
  assign(@IdParam('ticketId') ticketId: string, @Body() b: AssignTicketDto, @Ctx() ctx: RequestContext) {
    return this.run({ type: 'AssignTicket', ticketId, agentId: b.agentId }, b.occurredAt, ctx);
  }

  @Post(':ticketId/replies') @Roles('ingest', 'support') @ApiOperation({ summary: 'Reply (agent or customer); refused on a closed ticket' }) @ApiAnswer(201, 'CommandOutcome') @ApiRefusals({ 404: 'No ticket with this id.', 409: 'The ticket\'s state does not allow it (a closed ticket takes nothing more).', 422: 'occurredAt lies before the ticket\'s latest event.' })
  reply(@IdParam('ticketId') ticketId: string, @Body() b: ReplyToTicketDto, @Ctx() ctx: RequestContext) {
    return this.run({ type: 'ReplyToTicket', ticketId, author: b.author, body: b.body, ...(b.authorId !== undefined ? { authorId: b.authorId } : {}) }, b.occurredAt, ctx);
  }

  @Post(':ticketId/resolve') @HttpCode(200) @Roles('ingest', 'support') @ApiOperation({ summary: 'Resolve an open ticket' }) @ApiAnswer(200, 'CommandOutcome') @ApiRefusals({ 404: 'No ticket with this id.', 409: 'The ticket\'s state does not allow it (a closed ticket takes nothing more).', 422: 'occurredAt lies before the ticket\'s latest event.' })
  resolve(@IdParam('ticketId') ticketId: string, @Body() b: ResolveTicketDto, @Ctx() ctx: RequestContext) {
    return this.run({ type: 'ResolveTicket', ticketId, resolution: b.resolution }, b.occurredAt, ctx);
  }

  @Post(':ticketId/reopen') @HttpCode(200) @Roles('ingest', 'support') @ApiOperation({ summary: 'Reopen a resolved ticket' }) @ApiAnswer(200, 'CommandOutcome') @ApiRefusals({ 404: 'No ticket with this id.', 409: 'The ticket\'s state does not allow it (a closed ticket takes nothing more).', 422: 'occurredAt lies before the ticket\'s latest event.' })
  reopen(@IdParam('ticketId') ticketId: string, @Body() b: ReopenTicketDto, @Ctx() ctx: RequestContext) {
    return this.run({ type: 'ReopenTicket', ticketId, ...(b.reason !== undefined ? { reason: b.reason } : {}) }, b.occurredAt, ctx);
  }

  @Post(':ticketId/notes') @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Add an internal note (for agents only, kept apart from the replies the customer sees); taken on a closed ticket too' })
  @ApiAnswer(201, 'CommandOutcome')
  @ApiRefusals({ 404: 'No ticket with this id.', 422: 'The note\'s body is blank, or occurredAt lies before the ticket\'s latest event.' })
  note(@IdParam('ticketId') ticketId: string, @Body() b: AddTicketNoteDto, @Ctx() ctx: RequestContext) {
    return this.run({ type: 'AddTicketNote', ticketId, body: b.body }, b.occurredAt, ctx);
  }

  @Post(':ticketId/priority') @HttpCode(200) @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Change the priority; a ticket on its priority\'s default SLA moves to the new priority\'s default (due times from openedAt)' })
  @ApiAnswer(200, 'CommandOutcome')
  @ApiRefusals({ 404: 'No ticket with this id.', 409: 'The ticket is closed.', 422: 'occurredAt lies before the ticket\'s latest event.' })
  priority(@IdParam('ticketId') ticketId: string, @Body() b: ChangeTicketPriorityDto, @Ctx() ctx: RequestContext) {
    return this.run({ type: 'ChangeTicketPriority', ticketId, priority: b.priority }, b.occurredAt, ctx);
  }

  @Post(':ticketId/close') @HttpCode(200) @Roles('ingest', 'support') @ApiOperation({ summary: 'Close a ticket (final)' }) @ApiAnswer(200, 'CommandOutcome') @ApiRefusals({ 404: 'No ticket with this id.', 409: 'The ticket\'s state does not allow it (a closed ticket takes nothing more).', 422: 'occurredAt lies before the ticket\'s latest event.' })
  close(@IdParam('ticketId') ticketId: string, @Body() b: CloseTicketDto, @Ctx() ctx: RequestContext) {
    return this.run({ type: 'CloseTicket', ticketId }, b.occurredAt, ctx);
  }
}
