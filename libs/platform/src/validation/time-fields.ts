// Timestamps a client sends. A local time ("2026-01-01T10:00:00") names a different instant in every
// zone, so the server would guess (Node takes its own zone); an instant must say its offset or Z.
import { isISO8601, registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** RFC 3339 date-time: date, `T`, time to the minute or finer, and `Z` or `±hh:mm`. */
export const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function isInstant(value: unknown): value is string {
  return typeof value === 'string' && INSTANT_PATTERN.test(value) && isISO8601(value, { strict: true, strictSeparator: true }) && !Number.isNaN(Date.parse(value));
}

/** An instant with its offset, e.g. `2026-11-20T10:15:00Z` or `2026-11-20T11:15:00+01:00`. */
export function IsInstant(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName: String(propertyName),
      options: validationOptions,
      validator: {
        validate: (value: unknown) => isInstant(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be an ISO-8601 date and time with its offset or Z, e.g. 2026-11-20T10:15:00Z`,
      },
    });
}
