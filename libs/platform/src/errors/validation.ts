// Turns class-validator's error tree into a flat list naming every bad field by its path.
import { BadRequestException, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { refuseWhatValidatorsThrowOn } from './throwing-validators';
import { cacheValidationMetadata } from './validation-metadata-cache';

cacheValidationMetadata();
refuseWhatValidatorsThrowOn();

export interface FieldProblem {
  /**
   * What is at fault: a body field (`lines[0].quantity`; `items[2].customerId` in a batch), a query or
   * path parameter (`customerId` of an unknown customer), or a header (`Idempotency-Key`).
   */
  readonly field: string;
  readonly message: string;
}

/**
 * How the validation pipe and validateBatchItem run class-validator: unknown fields refused, and each
 * error carrying the value it was about (never the object), so an absent field can be told from a wrong one.
 */
export const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: true },
} as const;

export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const isIndex = /^\d+$/.test(error.property);
    const field = parent === '' ? error.property : isIndex ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    const notObjects = listItemsNotObjects(error);
    // Each item that is no object is named below, instead of the whole list.
    for (const message of messagesOf(error, isIndex).filter((said) => notObjects === undefined || said !== error.constraints?.isObject)) {
      problems.push({ field, message: /^property (\S*) should not exist$/.test(message) ? unknownFieldMessage(error.property) : message });
    }
    for (const index of notObjects ?? []) problems.push({ field: `${field}[${index}]`, message: `${field}[${index}] must be an object` });
    const children = (error.children ?? []).filter((child) => !notObjects?.includes(Number(child.property)));
    if (children.length) problems.push(...flattenValidationErrors(children, field));
  }
  return problems;
}

/**
 * A list of nested objects (`@IsObject({ each: true })` beside `@ValidateNested({ each: true })`)
 * holding something else: the indices of the items that are no object, each to be named by itself
 * (`lines[1] must be an object`). class-validator blames the whole list ("each value in lines must be
 * an object") and says it again of the item in words of its own ("each value in nested property lines
 * must be either object or array"), or not at all for an item that is a list. Undefined otherwise.
 */
function listItemsNotObjects(error: ValidationError): number[] | undefined {
  const message = error.constraints?.isObject;
  if (message === undefined || !message.startsWith('each value in ') || !Array.isArray(error.value)) return undefined;
  const indices = (error.value as unknown[]).flatMap((item, index) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? [] : [index]));
  return indices.length > 0 ? indices : undefined;
}

const NUMBER_TYPE_RULES = ['isInt', 'isNumber'];
/** Rules about a number's size, which class-validator also reports failing for a value that is no number. */
const NUMBER_RANGE_RULES = new Set(['min', 'max', 'isPositive', 'isNegative']);

/**
 * A field's messages. Absent (or null where null is not a value), every rule fails at once and
 * class-validator says each ("reason must be shorter than or equal to 500 characters", "reason must be
 * a string"), which reads as if something wrong had been sent: one message says it is required and
 * what it takes. A field that may be left out (@Optional) but was sent as null keeps its own one
 * message. Only where the error carries its value (VALIDATOR_OPTIONS) is absence known.
 */
function messagesOf(error: ValidationError, isIndex: boolean): string[] {
  const constraints = error.constraints ?? {};
  // "profile must be an object" already says what "nested property profile must be either object or array" says.
  const messages = Object.entries(constraints).filter(([rule]) => !(rule === 'nestedValidation' && 'isObject' in constraints)).map(([, message]) => message);
  const missing = 'value' in error && (error.value === undefined || error.value === null);
  if (!missing && 'value' in error && typeof error.value !== 'number' && NUMBER_TYPE_RULES.some((rule) => rule in constraints)) {
    // `limit=0x10` or `"quantity": "5"` is not a number: "must not be greater than 200" says nothing about it.
    return Object.entries(constraints).filter(([rule]) => !NUMBER_RANGE_RULES.has(rule)).map(([, message]) => message);
  }
  if (!missing && 'value' in error && typeof error.value !== 'string' && constraints.isString !== undefined) {
    // `"body": 5` is not a text: its length or its characters say nothing about it.
    return [constraints.isString];
  }
  if (!missing || isIndex || messages.length === 0 || 'whitelistValidation' in constraints) return messages;
  if (constraints.isDefined !== undefined) return [constraints.isDefined];
  return [requiredMessage(error.property, messages, error.value === null)];
}

/** "reason is required: it must be a string and must be shorter than …", from the field's own rules. */
function requiredMessage(name: string, messages: readonly string[], sentNull: boolean): string {
  // class-validator lists a field's rules last decorator first: reversed, they read as written.
  const rules = [...messages].reverse().filter((message) => message.startsWith(`${name} `)).map((message) => message.slice(name.length + 1));
  const required = sentNull ? `${name} is required and cannot be null` : `${name} is required`;
  if (rules.length === 0) return required;
  const said = rules.length === 1 ? rules[0] : `${rules.slice(0, -1).join(', ')} and ${rules[rules.length - 1]}`;
  return `${required}: it ${said}`;
}

function unknownFieldMessage(name: string): string {
  return name === '' ? 'a field or parameter must have a name (an empty name is not allowed)' : 'unknown field (not allowed)';
}

/**
 * What is wrong with a query string before its DTO sees it: a parameter with an empty name (`?=1`),
 * or one given with an empty value (`?cursor=`, `?minPosition=`, `?type=A&type=`). Every parameter
 * takes a value, so an empty one is a mistake to name, not a parameter to ignore or read as 0.
 */
export function queryStringProblems(query: unknown): FieldProblem[] {
  if (query === null || typeof query !== 'object') return [];
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    if (name === '') problems.push({ field: name, message: unknownFieldMessage(name) });
    else if (value === '' || (Array.isArray(value) && value.includes(''))) problems.push({ field: name, message: `${name} must not be empty: give a value or leave the parameter out` });
  }
  return problems;
}

export class RequestValidationError extends BadRequestException {
  constructor(readonly problems: readonly FieldProblem[]) {
    super({ message: `Invalid request: ${problems.map((p) => p.field).join(', ')}`, problems });
  }
}

/**
 * The query parameters of `query` sent more than once that `dto` takes one value of (`?limit=1&limit=2`):
 * the server cannot tell which was meant, and the DTO's rules would only say the list is not a number.
 * A parameter the DTO declares as a list (`@IsArray()`, the audit log's `type`) may repeat.
 */
export function repeatedQueryProblems(query: unknown, dto: Function): FieldProblem[] {
  if (query === null || typeof query !== 'object') return [];
  const repeated = Object.entries(query as Record<string, unknown>).filter(([, value]) => Array.isArray(value));
  if (repeated.length === 0) return [];
  const lists = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(dto, '', true, false)
      .filter((rule) => rule.name === 'isArray')
      .map((rule) => rule.propertyName),
  );
  return repeated.filter(([name]) => !lists.has(name)).map(([name]) => ({ field: name, message: `${name} is sent more than once: send it once` }));
}

/** Strict validation: unknown fields rejected, types converted only where declared, a single-valued query parameter sent once. */
export function createValidationPipe(): ValidationPipe {
  return new (class extends ValidationPipe {
    override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
      if (metadata.type === 'query' && typeof metadata.metatype === 'function') {
        const problems = repeatedQueryProblems(value, metadata.metatype);
        if (problems.length > 0) throw new RequestValidationError(problems);
      }
      return super.transform(value, metadata);
    }
  })({
    ...VALIDATOR_OPTIONS,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}
