// Timestamps a client sends. A local time ("2026-01-01T10:00:00") names a different instant in every
// zone, so the server would guess (Node takes its own zone); an instant must say its offset or Z.
// Every instant the API takes (body field or query parameter) is checked here and nowhere else, so
// nothing Date cannot read reaches a handler or a store.
import { isISO8601, registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** RFC 3339 date-time: date, `T`, time to the minute or finer, and `Z` or `±hh:mm`. */
export const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A global position: digits. */
const POSITION_PATTERN = /^\d{1,15}$/;

/** A global position (digits) or an instant, as the as-of routes take it. */
export const POSITION_OR_INSTANT_PATTERN = new RegExp(`^(${POSITION_PATTERN.source.slice(1, -1)}|${INSTANT_PATTERN.source.slice(1, -1)})$`);

const INSTANT_EXAMPLE = 'an ISO-8601 date and time with its offset or Z, e.g. 2026-11-20T10:15:00Z';

/** The pattern, a real calendar date and clock time (no 30 February, no 24:00), and one Date reads. */
export function isInstant(value: unknown): value is string {
  return typeof value === 'string' && INSTANT_PATTERN.test(value) && isISO8601(value, { strict: true, strictSeparator: true }) && !Number.isNaN(Date.parse(value));
}

export function isPositionOrInstant(value: unknown): value is string {
  return typeof value === 'string' && (POSITION_PATTERN.test(value) || isInstant(value));
}

/** A property rule named `name` (the OpenAPI document maps it to its pattern) that `holds`, saying it `must be …`. */
function timeRule(name: string, holds: (value: unknown) => boolean, mustBe: string, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: validationOptions,
      validator: { validate: holds, defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'value'} must be ${mustBe}` },
    });
}

/** An instant with its offset, e.g. `2026-11-20T10:15:00Z` or `2026-11-20T11:15:00+01:00`. */
export function IsInstant(validationOptions?: ValidationOptions): PropertyDecorator {
  return timeRule('isInstant', isInstant, INSTANT_EXAMPLE, validationOptions);
}

/** A global position (`1042`) or an instant with its offset (`2026-03-03T00:00:00Z`). */
export function IsPositionOrInstant(validationOptions?: ValidationOptions): PropertyDecorator {
  return timeRule('isPositionOrInstant', isPositionOrInstant, `a global position (digits) or ${INSTANT_EXAMPLE}`, validationOptions);
}
