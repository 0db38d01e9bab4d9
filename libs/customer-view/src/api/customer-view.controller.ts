// HTTP queries for support agents and services: the 360 view, the timeline, customer search.
import { Controller, Get, Header, Query as QueryParam, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { AccessLogged, ApiAnswer, ApiRefusals, consistencyHeader, IdParam, invalidInput, NotBlank, QueryInteger, Roles, SingleLineText } from '@app/platform';
import { TIMELINE_CHANNELS } from '../projections/timeline-entry';
import { CUSTOMER_EVENT_TYPES } from '@app/customers/domain/customer.events';
import { INTERACTION_EVENT_TYPES } from '@app/interactions/domain/interaction.events';
import { TICKET_EVENT_TYPES } from '@app/tickets/domain/ticket.events';
import { GetCustomer360, GetTimeline, PHONE_WITHOUT_DIGIT, SearchCustomers, type CustomerSearchResult } from './customer-view.queries';

const EVENT_TYPES: readonly string[] = [...CUSTOMER_EVENT_TYPES, ...INTERACTION_EVENT_TYPES, ...TICKET_EVENT_TYPES];

export class ConsistencyQueryDto {
  @ApiPropertyOptional({ description: 'Wait (bounded by READ_WAIT_TIMEOUT_MS) until the read model includes this global position, as answered by a command.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;
}

export class TimelineQueryDto extends ConsistencyQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: "nextCursor of the previous page of this customer's timeline with the same channel and kind (another query's is refused)" }) @IsOptional() @IsString() @MaxLength(500) @SingleLineText() cursor?: string;
  @ApiPropertyOptional({ enum: TIMELINE_CHANNELS }) @IsOptional() @IsIn(TIMELINE_CHANNELS) channel?: string;
  @ApiPropertyOptional({ description: 'Event type, e.g. CallLogged' }) @IsOptional() @IsIn(EVENT_TYPES) kind?: string;
}

export class SearchQueryDto {
  @ApiPropertyOptional({ description: 'Email or its beginning' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(254) @SingleLineText() @NotBlank() email?: string;
  @ApiPropertyOptional({ description: 'Phone or its beginning, international or as dialled in its country ("+44 20 7123…", "0044 20…", "+44 (0) 20…", "020 7123…"), with at least one digit' }) @IsOptional() @IsString() @MinLength(2) @MaxLength(40) @SingleLineText() @Matches(/\d/, { message: PHONE_WITHOUT_DIGIT }) phone?: string;
  @ApiPropertyOptional({ description: 'Beginning of "first last" or "last first"' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(200) @SingleLineText() @NotBlank() name?: string;
  @ApiPropertyOptional({ description: 'Exact or beginning of the publishing system\'s id' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(100) @SingleLineText() @NotBlank() externalId?: string;
  @ApiPropertyOptional({ description: 'Chronicle customer id (exact)' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(100) @SingleLineText() @NotBlank() id?: string;
  @ApiPropertyOptional({
    description: 'What an agent typed, matched as every kind at once: the exact id, then the beginning of an external id, an email (with or without "@"), ' +
      'a phone number (international or as dialled in its country: "07000 007919", "0044 7000…", "+44 (0) 7000…") and a name',
  })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(254) @SingleLineText() @NotBlank() q?: string;
  @ApiPropertyOptional({ default: 20, maximum: 100 }) @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(100) limit?: number;
}


const SEARCH_CRITERIA = ['email', 'phone', 'name', 'externalId', 'id', 'q'] as const;

@ApiTags('customers')
@ApiBearerAuth()
@Controller({ path: 'customers', version: '1' })
export class CustomerViewController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @AccessLogged<CustomerSearchResult>('customer-search', (answer) => answer.items.map((hit) => hit.customerId))
  @Roles('support', 'analyst', 'auditor')
  @ApiOperation({ summary: 'Find customers by email, phone, name prefix, external id, id, or q (any of them) (exactly one criterion)' })
  @ApiAnswer(200, 'CustomerSearchResult')
  async search(@QueryParam() query: SearchQueryDto) {
    const criteria = SEARCH_CRITERIA.filter((k) => query[k] !== undefined);
    if (criteria.length !== 1) {
      // Several given: each of them is at fault; none given: the parameters that could be.
      throw invalidInput(criteria.length > 1 ? criteria : SEARCH_CRITERIA, 'Give exactly one of email, phone, name, externalId, id, q');
    }
    const by = criteria[0];
    return this.queryBus.execute(new SearchCustomers(by, query[by] as string, query.limit ?? 20));
  }

  @Get(':customerId')
  @Roles('support', 'analyst', 'auditor')
  @AccessLogged('customer360')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The 360° view of a customer' })
  @ApiAnswer(200, 'Customer360Answer', 'The customer360 read model with loyalty, segments and value; X-Chronicle-Consistent tells whether minPosition was reached')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  async get360(@IdParam('customerId') customerId: string, @QueryParam() query: ConsistencyQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.queryBus.execute(new GetCustomer360(customerId, query.minPosition));
    consistencyHeader(reply, result);
    return result.view;
  }

  @Get(':customerId/timeline')
  @Roles('support', 'analyst', 'auditor')
  @AccessLogged('timeline')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Interactions newest first, paged with a cursor, filterable by channel and kind' })
  @ApiAnswer(200, 'TimelinePage')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  async timeline(@IdParam('customerId') customerId: string, @QueryParam() query: TimelineQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.queryBus.execute(
      new GetTimeline(customerId, {
        limit: query.limit ?? 50,
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        ...(query.channel !== undefined ? { channel: query.channel } : {}),
        ...(query.kind !== undefined ? { kind: query.kind } : {}),
        ...(query.minPosition !== undefined ? { minPosition: query.minPosition } : {}),
      }),
    );
    consistencyHeader(reply, result);
    return { items: result.items, nextCursor: result.nextCursor };
  }
}
