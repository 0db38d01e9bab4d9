// Query parameters of the audit routes, validated like every other request (a bad one is a 400 naming it).
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, type ValidationArguments } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, IsInstant, IsPositionOrInstant, NotBelow, QueryInteger, SingleLineText, trimSpaces } from '@app/platform';
import { CATALOGUE_EVENT_TYPES, TIMELINE_CHANNELS } from '@app/customer-view';
import { LOYALTY_EVENT_TYPES } from '@app/loyalty/domain/loyalty.events';
import { MEMBERSHIP_EVENT_TYPES, SEGMENT_EVALUATION_EVENT_TYPES, SEGMENT_EVENT_TYPES } from '@app/segments/domain/segment.events';

/**
 * Every event type Chronicle writes, from each capability's own list: a filter on another type can
 * only ever match nothing, so `type=Bogus` (or a misspelt `Calllogged`) is a 400, not an empty page.
 */
export const EVENT_TYPES: readonly string[] = [...CATALOGUE_EVENT_TYPES, ...LOYALTY_EVENT_TYPES, ...SEGMENT_EVENT_TYPES, ...SEGMENT_EVALUATION_EVENT_TYPES, ...MEMBERSHIP_EVENT_TYPES].sort();
const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

function unknownTypesMessage(args: ValidationArguments): string {
  const given: unknown[] = Array.isArray(args.value) ? args.value : [args.value];
  const unknown = given.filter((type) => typeof type !== 'string' || !KNOWN_TYPES.has(type)).map(String);
  return `type names no known event type: ${unknown.join(', ')} (known: ${EVENT_TYPES.join(', ')})`;
}

/** `?type=A,B` and `?type=A&type=B` both give ['A', 'B']. */
const list = ({ value }: { value: unknown }): unknown =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((item) => (typeof item === 'string' ? item.split(',') : [item])).map((item) => (typeof item === 'string' ? trimSpaces(item) : item));

export class StreamHistoryQueryDto {
  @ApiPropertyOptional({ default: 0, description: 'First revision of the page (0-based)' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) fromRevision?: number;
  @ApiPropertyOptional({ default: 100, maximum: 1000, description: 'Events per page (JSON); with NDJSON, at most this many events in all (default: the whole stream)' })
  @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class LogQueryDto {
  @ApiPropertyOptional({ description: 'Events strictly after this global position (the nextAfter of the previous page)' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) after?: number;
  @ApiPropertyOptional({ description: 'Events at or before this global position (not below `after`)' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) @NotBelow('after') until?: number;
  @ApiPropertyOptional({ description: 'Recorded at or after this instant: ISO-8601 date and time with its offset or Z', example: '2026-03-03T00:00:00Z' })
  @IsOptional() @IsInstant() from?: string;
  @ApiPropertyOptional({ description: 'Recorded before this instant (not before `from`): ISO-8601 date and time with its offset or Z', example: '2026-03-03T00:00:00Z' })
  @IsOptional() @IsInstant() @NotBelow('from') to?: string;
  @ApiPropertyOptional({ type: [String], description: 'Event types: `type=CallLogged,PurchaseCompleted` or repeated; an unknown type is a 400' })
  @IsOptional() @Transform(list) @IsArray() @ArrayMaxSize(50) @IsIn(EVENT_TYPES, { each: true, message: unknownTypesMessage }) type?: string[];
  @ApiPropertyOptional({ description: 'Only this customer\'s events (served from a store-side index)' })
  @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000, description: 'Events per page (JSON); with NDJSON, at most this many in all (default: the whole range)' })
  @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class AsOfQueryDto {
  @ApiPropertyOptional({ description: 'A global position the log has reached (e.g. `1042`) or an ISO-8601 date and time with its offset or Z, not in the future (e.g. `2026-03-03T00:00:00Z`); default now', example: '2026-03-03T00:00:00Z' })
  @IsOptional() @IsPositionOrInstant() asOf?: string;
}

export class AsOfTimelineQueryDto extends AsOfQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: "nextCursor of the previous page of this customer's timeline with the same channel and kind (another query's is refused; one of the live timeline serves as well)" }) @IsOptional() @IsString() @SingleLineText() @MaxLength(500) cursor?: string;
  @ApiPropertyOptional({ enum: TIMELINE_CHANNELS }) @IsOptional() @IsIn(TIMELINE_CHANNELS) channel?: string;
  @ApiPropertyOptional({ description: 'Event type, e.g. CallLogged (a type the timeline shows, as on the live timeline)' }) @IsOptional() @IsIn(CATALOGUE_EVENT_TYPES) kind?: string;
}

export class AccessLogQueryDto {
  @ApiPropertyOptional({ description: 'Reads of this customer\'s data (and reads that spanned every customer)' })
  @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId?: string;
  @ApiPropertyOptional({ description: 'The reader: an API key id or name' })
  @IsOptional() @IsString() @SingleLineText() @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'actor must be 1–200 visible ASCII characters' }) actor?: string;
  @ApiPropertyOptional({ description: 'Read at or after this instant: ISO-8601 date and time with its offset or Z', example: '2026-03-03T00:00:00Z' })
  @IsOptional() @IsInstant() from?: string;
  @ApiPropertyOptional({ description: 'Read before this instant (not before `from`): ISO-8601 date and time with its offset or Z', example: '2026-03-03T00:00:00Z' })
  @IsOptional() @IsInstant() @NotBelow('from') to?: string;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page: the sequence of the last entry read, so it also serves with other filters (the entries after it that match them)' })
  @IsOptional() @Matches(/^\d{1,20}$/, { message: 'cursor is not one this API returned' }) cursor?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(1000) limit?: number;
}
