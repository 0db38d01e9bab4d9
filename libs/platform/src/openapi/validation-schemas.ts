// What the class-validator decorators of a DTO say, as OpenAPI schema keywords: the validators stay
// the one place that decides a field's rules, and the document reflects them (integer, bounds,
// lengths, patterns, enums, formats, nullability) instead of repeating them by hand. A validator the
// table below does not know leaves the schema as it is (cross-field rules such as an order's total
// or a survey score on its scale cannot be said in a schema; they are in the descriptions).
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { DECORATORS, type SchemaObject } from '@nestjs/swagger';
import { CURRENCY_CODES } from '@app/money';
import { BLANK_CHARACTERS } from '../validation/text-fields';
import { CALENDAR_DAY_PATTERN, INSTANT_PATTERN, POSITION_OR_INSTANT_PATTERN } from '../validation/time-fields';

type Schema = SchemaObject & Record<string, unknown>;

/** Characters single-line text refuses (see textFault in @app/event-sourcing). */
const SINGLE_LINE_FORBIDDEN = '\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069';
/**
 * Characters free text refuses: LF and tab are allowed, and CR too because a CRLF is taken as LF (a
 * lone CR is refused, which a pattern cannot say without look-arounds client generators mishandle).
 */
const MULTI_LINE_FORBIDDEN = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069';

/** The pattern of a text rule; `notBlank` adds "at least one character that is not white space". */
export function textPattern(kind: 'single-line' | 'multi-line', notBlank: boolean): string {
  const forbidden = kind === 'single-line' ? SINGLE_LINE_FORBIDDEN : MULTI_LINE_FORBIDDEN;
  return notBlank ? `^[^${forbidden}]*[^${forbidden}${BLANK_CHARACTERS}][^${forbidden}]*$` : `^[^${forbidden}]*$`;
}

/** The validation metadata of a class (inherited included), by property. */
export function validationRulesOf(target: Function): Map<string, ValidationMetadata[]> {
  const rules = new Map<string, ValidationMetadata[]>();
  for (const rule of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
    rules.set(rule.propertyName, [...(rules.get(rule.propertyName) ?? []), rule]);
  }
  return rules;
}

/** The schema of one property with what its validators say; `schema` is what swagger derived from the type. */
export function withValidationRules(schema: Schema, rules: readonly ValidationMetadata[]): Schema {
  const out: Schema = { ...schema };
  const own = rules.filter((rule) => !rule.each);
  const each = rules.filter((rule) => rule.each);
  const names = new Set(own.map((rule) => rule.name));
  for (const rule of own) applyRule(out, rule);
  const textKind = names.has('isSingleLineText') ? 'single-line' : names.has('isMultiLineText') ? 'multi-line' : undefined;
  if (textKind) out.pattern = textPattern(textKind, names.has('isNotBlank'));
  else if (names.has('isNotBlank') && out.pattern === undefined) out.pattern = `[^${BLANK_CHARACTERS}]`;
  // IsOptional and Clearable (a ValidateIf without IsDefined) take null; Optional (with IsDefined) refuses it.
  if (own.some((rule) => rule.type === 'conditionalValidation') && !names.has('isDefined')) out.nullable = true;
  // A `string | null` property is reflected as Object (TypeScript emits Object for unions): a value its
  // validators hold to a pattern, format or length is text.
  const stringOnly = out.pattern !== undefined || out.format !== undefined || out.minLength !== undefined || out.maxLength !== undefined;
  if (stringOnly && (out.type === undefined || out.type === 'object') && out.properties === undefined && out.$ref === undefined && out.allOf === undefined) out.type = 'string';
  if (each.length > 0 && out.items && !('$ref' in out.items)) out.items = withValidationRules(out.items as Schema, each.map((rule) => ({ ...rule, each: false }) as ValidationMetadata));
  return out;
}

function applyRule(schema: Schema, rule: ValidationMetadata): void {
  const [first, second] = (rule.constraints ?? []) as unknown[];
  switch (rule.name) {
    case 'isInt':
      schema.type = 'integer';
      break;
    case 'min':
      schema.minimum = first as number;
      break;
    case 'max':
      schema.maximum = first as number;
      break;
    case 'minLength':
      schema.minLength = first as number;
      break;
    case 'maxLength':
      schema.maxLength = first as number;
      break;
    case 'length':
      schema.minLength = first as number;
      if (typeof second === 'number') schema.maxLength = second;
      break;
    case 'matches':
      if (first instanceof RegExp && first.flags === '') schema.pattern = first.source;
      else if (typeof first === 'string' && (second === undefined || second === '')) schema.pattern = first;
      break;
    case 'isIn':
      if (Array.isArray(first) && first.every((value) => ['string', 'number', 'boolean'].includes(typeof value))) schema.enum = [...first];
      break;
    case 'notEquals':
      schema.not = { enum: [first] };
      break;
    case 'arrayMinSize':
      schema.minItems = first as number;
      break;
    case 'arrayMaxSize':
      schema.maxItems = first as number;
      break;
    case 'isEmail':
      schema.format = 'email';
      break;
    case 'isUrl':
      schema.format = 'uri';
      break;
    case 'isInstant':
      schema.format = 'date-time';
      schema.pattern = INSTANT_PATTERN.source;
      break;
    case 'isCalendarDay':
      schema.format = 'date';
      schema.pattern = CALENDAR_DAY_PATTERN.source;
      break;
    case 'isPositionOrInstant':
      schema.pattern = POSITION_OR_INSTANT_PATTERN.source;
      break;
    case 'isCurrencyCode':
      schema.enum = [...CURRENCY_CODES];
      break;
    case 'isISO31661Alpha2':
      schema.pattern = '^[A-Za-z]{2}$';
      break;
    case 'namesAField':
      schema.minProperties = 1;
      break;
    case 'isObject':
      schema.type = 'object';
      break;
    case 'isArray':
      schema.type = 'array';
      break;
    case 'isString':
      schema.type = 'string';
      break;
    default:
      break;
  }
}

/** Whether a property is validated as a nested object (ValidateNested): its class is then closed to unknown fields. */
export function isNested(rules: readonly ValidationMetadata[]): boolean {
  return rules.some((rule) => rule.type === 'nestedValidation');
}

/** The DTO class a swagger property type names (`Dto`, `[Dto]`, `() => Dto`), if it is one. */
export function dtoClassOf(type: unknown): Function | undefined {
  if (Array.isArray(type)) return dtoClassOf(type[0]);
  if (typeof type !== 'function') return undefined;
  const candidate = type as Function & { prototype?: object };
  if (candidate.prototype && Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, candidate.prototype) !== undefined) return candidate;
  // A lazy type (`type: () => Dto`): an arrow function, which has no prototype.
  if (!candidate.prototype && candidate.length === 0) return dtoClassOf((candidate as () => unknown)());
  return undefined;
}

/** The swagger-declared properties of a DTO class and their declared types. */
export function dtoPropertiesOf(target: Function): { readonly name: string; readonly type: unknown }[] {
  const prototype = target.prototype as object;
  const names = ((Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, prototype) as string[] | undefined) ?? []).map((name) => name.replace(/^:/, ''));
  return [...new Set(names)].map((name) => ({ name, type: (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, prototype, name) as { type?: unknown } | undefined)?.type }));
}
