// HTTP queries on tickets.
import { Controller, Get, Header, Query as QueryParam, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { AccessLogged, ApiAnswer, ApiRefusals, consistencyHeader, ID_MESSAGE, ID_PATTERN, IdParam, QueryInteger, Roles, SingleLineText, type AuthenticatedRequest } from '@app/platform';
import type { TicketStatus } from '../domain/ticket.decider';
import { GetTicket, ListCustomerTickets, ListTicketQueue, type ConsistentAnswer, type TicketDetail, type TicketList, type TicketQueuePage } from './ticket.queries';

/** The answer, with X-Chronicle-Consistent saying whether it is known to include minPosition. */
function answered<T>(reply: FastifyReply, result: ConsistentAnswer<T>): T {
  consistencyHeader(reply, result);
  return result.answer;
}

export class TicketQueryDto {
  @ApiPropertyOptional() @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;
}

export class CustomerTicketsQueryDto {
  @ApiPropertyOptional({ description: 'Wait (bounded) until the read model includes this global position, as answered by a command.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;
  @ApiPropertyOptional({ enum: ['open', 'resolved', 'closed'] }) @IsOptional() @IsIn(['open', 'resolved', 'closed']) status?: TicketStatus;
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: "nextCursor of the previous page of this customer's tickets with the same status (another query's is refused)" }) @IsOptional() @IsString() @MaxLength(500) @SingleLineText() cursor?: string;
}

export class TicketQueueQueryDto {
  @ApiPropertyOptional({ enum: ['open', 'resolved', 'closed'], default: 'open' }) @IsOptional() @IsIn(['open', 'resolved', 'closed']) status?: TicketStatus;
  @ApiPropertyOptional({ description: '`me` (the agent of the key or session asking), `none` (unassigned) or an agent id; every assignee when left out', example: 'me' })
  @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) assignee?: string;
  @ApiPropertyOptional({ description: 'Only tickets whose next SLA deadline falls before now + this many minutes: breached ones and those due soon (0: breached only)', example: 60 })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) @Max(525_600) dueWithinMinutes?: number;
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page of the queue with the same status, assignee and dueWithinMinutes (another query\'s is refused)' }) @IsOptional() @IsString() @MaxLength(500) @SingleLineText() cursor?: string;
  @ApiPropertyOptional({ description: 'Wait (bounded) until the tickets read model includes this global position, as answered by a ticket command.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;
}

@ApiTags('tickets')
@ApiBearerAuth()
@Controller({ version: '1' })
export class TicketQueryController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('tickets')
  @AccessLogged<TicketQueuePage>('ticket-queue', (page) => page.items.map((ticket) => ticket.customerId))
  @Roles('support', 'analyst', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'The work queue: tickets by urgency (next SLA deadline first, breached ones at the top, then priority, then age), with the total that match; paged by nextCursor',
  })
  @ApiAnswer(200, 'TicketQueuePage')
  async queue(@QueryParam() query: TicketQueueQueryDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TicketQueuePage> {
    const assignee = query.assignee === undefined ? undefined : query.assignee === 'none' ? null : query.assignee === 'me' ? (request.principal?.keyId ?? null) : query.assignee;
    return answered(reply, await this.queryBus.execute(new ListTicketQueue(
      { status: query.status ?? 'open', ...(assignee !== undefined ? { assignee } : {}), ...(query.dueWithinMinutes !== undefined ? { dueWithinMinutes: query.dueWithinMinutes } : {}) },
      { limit: query.limit ?? 50, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) },
      query.minPosition,
    )));
  }

  @Get('tickets/:ticketId')
  @AccessLogged<TicketDetail>('ticket', (ticket) => [ticket.customerId])
  @Roles('support', 'analyst', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'A ticket with its thread (replies the customer sees; internal notes apart), its history and SLA state now' })
  @ApiAnswer(200, 'TicketDetail')
  @ApiRefusals({ 404: 'No ticket with this id.' })
  async get(@IdParam('ticketId') ticketId: string, @QueryParam() query: TicketQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.queryBus.execute(new GetTicket(ticketId, query.minPosition));
    consistencyHeader(reply, result);
    return result.view;
  }

  @Get('customers/:customerId/tickets')
  @AccessLogged('customer-tickets')
  @Roles('support', 'analyst', 'auditor')
  @ApiOperation({ summary: 'A customer\'s tickets, newest first, paged by nextCursor (404 for an unknown customer)' })
  @ApiAnswer(200, 'TicketList')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  async list(@IdParam('customerId') customerId: string, @QueryParam() query: CustomerTicketsQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<TicketList> {
    return answered(reply, await this.queryBus.execute(new ListCustomerTickets(customerId, query.status, { limit: query.limit ?? 50, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) }, query.minPosition)));
  }
}
