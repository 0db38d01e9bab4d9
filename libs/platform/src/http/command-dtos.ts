// Pieces every command DTO shares: the business time. (What commands answer is the CommandOutcome type.)
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInstant } from '../validation/time-fields';
import { Optional } from '../validation/optional-fields';

/** Ids of customers, tickets, calls...: they end up in stream ids `<category>-<id>`. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$/;
export const ID_MESSAGE = '$property must be 1–100 characters of letters, digits and _ . : @ -, starting with a letter or digit';

export abstract class CommandDto {
  @ApiPropertyOptional({
    description: 'Business time of the fact: ISO-8601 date and time with its offset or Z (a local time names no instant); defaults to now (or, on a stream whose events follow each other in time, to its latest event\'s time when a fast client clock put that ahead). Not in the future (up to 5 minutes ahead of the server\'s clock is taken), not before 1970-01-01T00:00:00Z, and not before the last event of the stream it joins.',
    example: '2026-11-20T10:15:00Z',
    format: 'date-time',
  })
  @Optional()
  @IsInstant()
  occurredAt?: string;
}
