// HTTP queries on tickets.
import { Controller, Get, Header, Query as QueryParam, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { ApiAnswer, ApiRefusals, IdParam, Roles } from '@app/platform';
import type { TicketStatus } from '../domain/ticket.decider';
import { GetTicket, ListCustomerTickets } from './ticket.queries';

export class TicketQueryDto {
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(0) minPosition?: number;
}

export class CustomerTicketsQueryDto {
  @ApiPropertyOptional({ description: 'Wait (bounded) until the read model includes this global position, as answered by a command.' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) minPosition?: number;
  @ApiPropertyOptional({ enum: ['open', 'resolved', 'closed'] }) @IsOptional() @IsIn(['open', 'resolved', 'closed']) status?: TicketStatus;
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

@ApiTags('tickets')
@ApiBearerAuth()
@Controller({ version: '1' })
export class TicketQueryController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('tickets/:ticketId')
  @Roles('support', 'analyst', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'A ticket with its replies and SLA state now' })
  @ApiAnswer(200, 'TicketView')
  @ApiRefusals({ 404: 'No ticket with this id.' })
  async get(@IdParam('ticketId') ticketId: string, @QueryParam() query: TicketQueryDto, @Res({ passthrough: true }) response: Response) {
    const result = await this.queryBus.execute(new GetTicket(ticketId, query.minPosition));
    response.setHeader('X-Chronicle-Consistent', String(result.consistent));
    return result.view;
  }

  @Get('customers/:customerId/tickets')
  @Roles('support', 'analyst', 'auditor')
  @ApiOperation({ summary: 'A customer\'s tickets, newest first (404 for an unknown customer)' })
  @ApiAnswer(200, 'TicketList')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  list(@IdParam('customerId') customerId: string, @QueryParam() query: CustomerTicketsQueryDto) {
    return this.queryBus.execute(new ListCustomerTickets(customerId, query.status, query.limit ?? 50, query.minPosition));
  }
}
