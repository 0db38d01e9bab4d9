// Absent, null and present. class-validator's @IsOptional lets JSON null through every other rule,
// and a command then stores `"label": null` (or `occurredAt: null`, read as 1970). Command fields
// use these two instead: @Optional() for "may be left out" (null is refused, so the schema's type is
// the whole truth), @Clearable() for a change-set field where null clears the value (JSON merge
// patch, RFC 7396).
//
// Neither adds a custom validator: class-validator drops a parent class's custom validators on a
// property once a subclass adds one of its own there, so a DTO that redeclares inherited fields with
// a presence rule (ProfileDto) would silently lose their type and text rules.
import { IsDefined, ValidateIf } from 'class-validator';

/** May be left out; when given, it must be a value: null is refused. */
export function Optional(): PropertyDecorator {
  const present = ValidateIf((_object: object, value: unknown) => value !== undefined);
  // Reached only for a value that is not undefined, so it refuses exactly null.
  const notNull = IsDefined({ message: '$property must not be null: leave the field out to give none' });
  return (target: object, propertyName: string | symbol) => {
    present(target, propertyName);
    notNull(target, propertyName);
  };
}

/** A field of a change set: left out it stays as it is, null clears it, a value must pass the rules. */
export function Clearable(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null);
}
