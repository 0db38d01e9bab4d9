// How a route documents what it answers, for the OpenAPI document (openapi-document.ts): its success
// (a schema named in the API types, or a text media type) and the refusals only it can give (404,
// 409, 422 with what they mean there). The refusals every route of a kind can give (400, 401, 403,
// 409 for a reused Idempotency-Key, 413, 415, 503) are added by the document builder from the route's
// shape, so they are never forgotten.
import { SetMetadata } from '@nestjs/common';

export const API_ANSWERS_METADATA = 'chronicle:api-answers';
export const API_REFUSALS_METADATA = 'chronicle:api-refusals';

export type TextMediaType = 'text/csv' | 'text/event-stream' | 'text/plain';

export interface ApiAnswerSpec {
  readonly status: number;
  /** A schema name of the document (a type exported by the composition's api-types.ts), answered as JSON... */
  readonly schema?: string;
  /** ...or a text media type; neither for a 204. */
  readonly mediaType?: TextMediaType;
  readonly description: string;
  /** With `Accept: application/x-ndjson` the same answer streamed as NDJSON: the schema name of one line. */
  readonly ndjsonLine?: string;
}

export interface ApiAnswerOptions {
  /** The route also streams the answer as NDJSON (`Accept: application/x-ndjson`), one value of this schema per line. */
  readonly ndjsonLine?: string;
}

/** Refusals a route gives beyond those of its shape, with what each means for this route. */
export type ApiRefusalSpec = Partial<Record<404 | 409 | 422, string>>;

/**
 * The route's success answer: `@ApiAnswer(201, 'CommandOutcome')` for JSON of a named schema,
 * `@ApiAnswer(200, { mediaType: 'text/csv' })` for text, `@ApiAnswer(204, null)` for no body.
 * Several statuses: apply it once per status.
 */
export function ApiAnswer(status: number, answer: string | { readonly mediaType: TextMediaType } | null, description?: string, options: ApiAnswerOptions = {}): MethodDecorator {
  if (answer === null && status !== 204) throw new Error(`@ApiAnswer(${status}, null): only a 204 answers without a body`);
  const said = { status, description: description ?? defaultDescription(status), ...options };
  const spec: ApiAnswerSpec =
    answer === null ? said : typeof answer === 'string' ? { ...said, schema: answer } : { ...said, mediaType: answer.mediaType };
  return (target, key, descriptor) => {
    const handler = descriptor.value as object;
    const existing = (Reflect.getMetadata(API_ANSWERS_METADATA, handler) as ApiAnswerSpec[] | undefined) ?? [];
    Reflect.defineMetadata(API_ANSWERS_METADATA, [...existing.filter((a) => a.status !== status), spec], handler);
    return descriptor;
  };
}

function defaultDescription(status: number): string {
  return status === 201 ? 'Recorded' : 'OK';
}

/** `@ApiRefusals({ 404: 'The customer is not registered', 422: 'A reply dated before the ticket was opened' })`. */
export const ApiRefusals = (refusals: ApiRefusalSpec) => SetMetadata(API_REFUSALS_METADATA, refusals);

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- a controller method
export function answersOf(handler: Function): readonly ApiAnswerSpec[] {
  return (Reflect.getMetadata(API_ANSWERS_METADATA, handler) as ApiAnswerSpec[] | undefined) ?? [];
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- a controller method
export function refusalsOf(handler: Function): ApiRefusalSpec {
  return (Reflect.getMetadata(API_REFUSALS_METADATA, handler) as ApiRefusalSpec | undefined) ?? {};
}
