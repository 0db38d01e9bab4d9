// Path ids validated like body ids, so a malformed id is a 400 naming the parameter, not a 404.
import { Param, type PipeTransform } from '@nestjs/common';
import { RequestValidationError } from '../errors/validation';
import { ID_PATTERN } from './command-dtos';

class IdPipe implements PipeTransform<string, string> {
  /** How the OpenAPI document describes the parameter (read by openapi-document.ts from the route's pipes). */
  readonly openApiSchema = { type: 'string', pattern: ID_PATTERN.source, minLength: 1, maxLength: 100 } as const;

  constructor(private readonly name: string) {}
  transform(value: string): string {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
      throw new RequestValidationError([{ field: this.name, message: `${this.name} must be 1–100 characters of letters, digits and _ . : @ -` }]);
    }
    return value;
  }
}

export const IdParam = (name: string) => Param(name, new IdPipe(name));
