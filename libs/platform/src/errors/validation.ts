// Turns class-validator's error tree into a flat list naming every bad field by its path.
import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { cacheValidationMetadata } from './validation-metadata-cache';

cacheValidationMetadata();

export interface FieldProblem {
  /**
   * What is at fault: a body field (`lines[0].quantity`; `items[2].customerId` in a batch), a query or
   * path parameter (`customerId` of an unknown customer), or a header (`Idempotency-Key`).
   */
  readonly field: string;
  readonly message: string;
}

export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const isIndex = /^\d+$/.test(error.property);
    const field = parent === '' ? error.property : isIndex ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    for (const message of Object.values(error.constraints ?? {})) {
      problems.push({ field, message: /^property (\S*) should not exist$/.test(message) ? unknownFieldMessage(error.property) : message });
    }
    if (error.children?.length) problems.push(...flattenValidationErrors(error.children, field));
  }
  return problems;
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

/** Strict validation: unknown fields rejected, types converted only where declared. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}
