// HTTP contracts of the ticket lifecycle commands.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotIn, IsObject, IsString, Matches, Max, MaxLength, Min, registerDecorator, ValidateNested, type ValidationArguments } from 'class-validator';
import { CommandDto, ID_MESSAGE, ID_PATTERN, MultiLineText, NotBlank, Optional, SingleLineText } from '@app/platform';
import type { ReplyAuthor, TicketChannel, TicketPriority } from '../domain/ticket.events';

export const TICKET_PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];
export const TICKET_CHANNELS: readonly TicketChannel[] = ['email', 'phone', 'chat', 'web', 'store'];
export const REPLY_AUTHORS: readonly ReplyAuthor[] = ['agent', 'customer'];

/** resolutionMinutes: not shorter than firstResponseMinutes (both run from the opening). A request rule, so a 400. */
function NotBeforeFirstResponse(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'notBeforeFirstResponse',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          const first = (args?.object as { firstResponseMinutes?: unknown } | undefined)?.firstResponseMinutes;
          return typeof value !== 'number' || typeof first !== 'number' || value >= first;
        },
        defaultMessage: () => 'resolutionMinutes must not be shorter than firstResponseMinutes: a ticket cannot be due for resolution before its first response',
      },
    });
}

export class SlaPolicyDto {
  @ApiProperty({ example: 'standard' }) @IsString() @NotBlank() @MaxLength(50) @SingleLineText() name!: string;
  @ApiProperty({ example: 240 }) @IsInt() @Min(1) @Max(525_600) firstResponseMinutes!: number;
  @ApiProperty({ example: 2880, description: 'At least firstResponseMinutes (a 400 otherwise)' }) @IsInt() @Min(1) @Max(525_600) @NotBeforeFirstResponse() resolutionMinutes!: number;
}

export class OpenTicketDto extends CommandDto {
  @ApiProperty({ example: 'c-1001' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId!: string;
  @ApiProperty({ example: 't-5001', description: 'The helpdesk\'s ticket id (a retry with the same id is answered as the original).' })
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) ticketId!: string;
  @ApiProperty({ example: 'Parcel arrived damaged' }) @IsString() @NotBlank() @MaxLength(300) @SingleLineText() subject!: string;
  @ApiProperty({ enum: TICKET_CHANNELS }) @IsIn(TICKET_CHANNELS) channel!: TicketChannel;
  @ApiProperty({ enum: TICKET_PRIORITIES }) @IsIn(TICKET_PRIORITIES) priority!: TicketPriority;
  @ApiPropertyOptional({ type: SlaPolicyDto, description: 'Defaults by priority: urgent 30m/4h, high 2h/24h, normal 8h/72h, low 24h/168h' })
  @Optional() @IsObject() @ValidateNested() @Type(() => SlaPolicyDto) sla?: SlaPolicyDto;
}

/** What the work queue's `assignee` filter reads as words, not agent ids: no agent may be called so. */
export const QUEUE_ASSIGNEE_WORDS = ['me', 'none'] as const;

export class AssignTicketDto extends CommandDto {
  @ApiProperty({ example: 'agent-7', description: 'An agent id; not `me` or `none`, which the work queue reads as words' })
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  @IsNotIn(QUEUE_ASSIGNEE_WORDS, { message: 'agentId must be an agent id, not me or none (the work queue reads those as words: ?assignee=me, ?assignee=none)' })
  agentId!: string;
}

export class ReplyToTicketDto extends CommandDto {
  @ApiProperty({ enum: REPLY_AUTHORS }) @IsIn(REPLY_AUTHORS) author!: ReplyAuthor;
  @ApiPropertyOptional({ example: 'agent-7' }) @Optional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) authorId?: string;
  @ApiProperty({ example: 'We are sending a replacement today.' }) @IsString() @NotBlank() @MaxLength(20_000) @MultiLineText() body!: string;
}

export class ResolveTicketDto extends CommandDto {
  @ApiProperty({ example: 'Replacement shipped' }) @IsString() @NotBlank() @MaxLength(2000) @MultiLineText() resolution!: string;
}

export class ReopenTicketDto extends CommandDto {
  @ApiPropertyOptional({ example: 'Replacement also damaged' }) @Optional() @IsString() @NotBlank() @MaxLength(2000) @MultiLineText() reason?: string;
}

export class CloseTicketDto extends CommandDto {}

export class AddTicketNoteDto extends CommandDto {
  @ApiProperty({ example: 'Customer is a reseller: check the bulk price list.', description: 'For the agents only; never sent to the customer.' })
  @IsString() @NotBlank() @MaxLength(20_000) @MultiLineText() body!: string;
}

export class ChangeTicketPriorityDto extends CommandDto {
  @ApiProperty({ enum: TICKET_PRIORITIES }) @IsIn(TICKET_PRIORITIES) priority!: TicketPriority;
}
