// Timestamps a client sends. A local time ("2026-01-01T10:00:00") names a different instant in every
// zone, so the server would guess (Node takes its own zone); an instant must say its offset or Z.
// Every instant the API takes (body field or query parameter) is checked here and nowhere else, so
// nothing Date cannot read reaches a handler or a store (which refuses it too: InvalidInstantError).
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { CALENDAR_DAY_PATTERN, INSTANT_EXAMPLE, INSTANT_PATTERN, isCalendarDay, isInstant } from '@app/event-sourcing';

// The one definition of an instant lives beside the events (the store ports check it too).
export { CALENDAR_DAY_PATTERN, INSTANT_PATTERN, isCalendarDay, isInstant };

/** A global position: digits. */
const POSITION_PATTERN = /^\d{1,15}$/;

/** A global position (digits) or an instant, as the as-of routes take it. */
export const POSITION_OR_INSTANT_PATTERN = new RegExp(`^(${POSITION_PATTERN.source.slice(1, -1)}|${INSTANT_PATTERN.source.slice(1, -1)})$`);

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

/** A UTC calendar day that exists, e.g. `2026-11-30` (not `2026-02-30`, `2026-13-01`). */
export function IsCalendarDay(validationOptions?: ValidationOptions): PropertyDecorator {
  return timeRule('isCalendarDay', isCalendarDay, 'a calendar day YYYY-MM-DD (UTC) that exists, e.g. 2026-11-30', validationOptions);
}

/**
 * The upper end of a range given with its lower end `lowerField` (`to` with `from`, `until` with
 * `after`, `rMax` with `rMin`): not below it, where both are given and each is valid on its own (a
 * broken value is named by its own rule). A range that holds nothing is a client's mistake, not a
 * question with no answer: found from outside, `from=2026-12-06&to=2026-12-01` on the audit log
 * answered 200 with nothing, where the analytics routes said 400 naming `to`.
 */
export function NotBelow(lowerField: string, validationOptions?: ValidationOptions): PropertyDecorator {
  const comparable = (value: unknown): number | undefined =>
    typeof value === 'number' && Number.isFinite(value) ? value : isInstant(value) || isCalendarDay(value) ? Date.parse(value as string) : undefined;
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'notBelow',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [lowerField],
      options: validationOptions,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const upper = comparable(value);
          const lower = comparable((args.object as Record<string, unknown>)[lowerField]);
          return upper === undefined || lower === undefined || upper >= lower;
        },
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'value'} must not be ${typeof args?.value === 'number' ? 'below' : 'before'} ${lowerField}`,
      },
    });
}
