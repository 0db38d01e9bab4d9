// One place maps every failure to an HTTP status and an RFC 9457 problem document, and logs every
// server error (5xx), whether it came from a route, a guard or the HTTP layer before Nest.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, DomainErrorCode, InvalidInstantError } from '@app/event-sourcing';
import { DuplicateEventIdError, EventStoreBusyError, EventStoreWriterStoppedError, WrongExpectedRevisionError } from '@app/event-store';
import { isStorageUnavailable, STORAGE_RETRY_AFTER_SECONDS } from './storage-errors';
import { RequestValidationError, type FieldProblem } from './validation';

/**
 * A refusal decided at the HTTP edge (authentication, method, media type, size, encoding, shape),
 * with the response headers the status calls for (WWW-Authenticate, Allow, Accept, Accept-Encoding).
 */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly detail: string,
    readonly extra: { readonly code?: string; readonly errors?: readonly FieldProblem[]; readonly headers?: Readonly<Record<string, string>> } = {},
  ) {
    super(detail, status);
  }
}

/**
 * A 400 for an input at fault (a header, a query parameter, a path id): `errors[]` names it (or each), with the
 * validation pipe's code, and the detail says what is wrong. The one way the edge refuses such input.
 */
export function invalidInput(field: string | readonly string[], message: string): ProblemException {
  const fields = typeof field === 'string' ? [field] : field;
  return new ProblemException(400, message, { code: 'VALIDATION', errors: fields.map((name) => ({ field: name, message })) });
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code?: string;
  readonly errors?: readonly FieldProblem[];
}

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled domain error code ${String(value)}`);
}

export function statusForDomainError(code: DomainErrorCode): number {
  switch (code) {
    case DomainErrorCode.NotFound:
      return HttpStatus.NOT_FOUND;
    case DomainErrorCode.AlreadyExists:
    case DomainErrorCode.InvalidState:
    case DomainErrorCode.Conflict:
      return HttpStatus.CONFLICT;
    case DomainErrorCode.RuleViolated:
      return HttpStatus.UNPROCESSABLE_ENTITY;
    default:
      return assertUnreachable(code);
  }
}

/** The request header whose key the event ids of a request derive from: the field a refusal about it names. */
export const IDEMPOTENCY_KEY_FIELD = 'Idempotency-Key';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/**
 * How a request that failed on the server's side may be sent again: with its Idempotency-Key where
 * its route honours one (a command: the retry is answered without a second recording), or as it was
 * (a read, or a route that takes no key).
 */
export type RetryAdvice = 'with-idempotency-key' | 'as-is';

const RETRIED_WITH_KEY = new WeakSet<object>();

/** Set by the IdempotencyInterceptor on a request whose route honours an Idempotency-Key. */
export function markRetriedWithIdempotencyKey(request: object): void {
  RETRIED_WITH_KEY.add(request);
}

/** The retry advice for a request's failure (a request refused before its route was known: as it was). */
export function retryAdviceFor(request: object): RetryAdvice {
  return RETRIED_WITH_KEY.has(request) ? 'with-idempotency-key' : 'as-is';
}

/**
 * Maps any thrown value to a problem document. Exported for the batch endpoint's per-item results
 * (commands: their retry takes the Idempotency-Key, the default).
 */
export function toProblem(error: unknown, retry: RetryAdvice = 'with-idempotency-key'): Problem {
  const withKey = retry === 'with-idempotency-key';
  const make = (status: number, detail: string, extra: Partial<Problem> = {}): Problem => ({
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...extra,
  });
  if (error instanceof ProblemException) {
    return make(error.getStatus(), error.detail, {
      ...(error.extra.code !== undefined ? { code: error.extra.code } : {}),
      ...(error.extra.errors !== undefined ? { errors: error.extra.errors } : {}),
    });
  }
  if (error instanceof RequestValidationError) {
    return make(400, 'The request has invalid fields', { code: 'VALIDATION', errors: error.problems });
  }
  // Both name the field they are about (an unknown or colliding id, a stream changed meanwhile) when they know it.
  const naming = (field: string | undefined, message: string) => (field ? { errors: [{ field, message }] } : {});
  // The API validates every instant it takes; one that reached a store port anyway is still the
  // request's fault (400, naming the store's argument), not the server's.
  if (error instanceof InvalidInstantError) {
    return make(400, error.message, { code: 'VALIDATION', errors: [{ field: error.argument, message: error.message }] });
  }
  if (error instanceof DomainError) {
    return make(statusForDomainError(error.code), error.message, { code: error.code, ...naming(error.field, error.message) });
  }
  if (error instanceof WrongExpectedRevisionError) {
    return make(409, error.message, { code: DomainErrorCode.Conflict, ...naming(error.field, error.message) });
  }
  if (error instanceof DuplicateEventIdError) {
    // The id derives from the request's natural id or its Idempotency-Key: another request with the
    // same one recorded something else under it.
    const detail = error.field === undefined ? error.message : `${error.message}: ${error.field} was already used for another request`;
    return make(409, detail, { code: 'DUPLICATE_EVENT_ID', ...naming(error.field, detail) });
  }
  if (error instanceof EventStoreBusyError) {
    // Nothing was written: the same request (same Idempotency-Key) may simply be sent again.
    return make(503, 'The event store is busy with another process\'s write; nothing was recorded, retry later', { code: 'STORE_BUSY' });
  }
  if (error instanceof EventStoreWriterStoppedError) {
    // The process cannot write any more (its readiness says so, and an orchestrator restarts it);
    // a write in flight may or may not have been committed: the same request with the same
    // Idempotency-Key, sent again to a healthy process, is answered without a second recording.
    return make(503, `This process can no longer write events (its event store writer stopped); send the request again${withKey ? ', with the same Idempotency-Key,' : ''} to a healthy process`, { code: 'WRITER_STOPPED' });
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const detail = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? error.message);
    // A path no route serves (Nest's NotFoundException) is a 404 like an unknown resource's.
    return make(status, detail, status === 404 ? { code: 'NOT_FOUND' } : {});
  }
  if (isStorageUnavailable(error)) {
    return make(503, `The data store cannot take this request now; retry after ${STORAGE_RETRY_AFTER_SECONDS} s${withKey ? ' with the same Idempotency-Key' : ''}`, { code: 'STORAGE_UNAVAILABLE' });
  }
  // A request target Fastify cannot decode (bad percent-encoding), and what its body parsing refuses.
  const fastifyError = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (fastifyError?.code === 'FST_ERR_BAD_URL') return make(400, `The request path is not valid percent-encoding: ${String(fastifyError.message)}`, { code: 'INVALID_PATH' });
  if (typeof fastifyError?.code === 'string' && fastifyError.code.startsWith('FST_') && typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return make(fastifyError.statusCode, String(fastifyError.message));
  }
  // Static files (the console) refuse with http-errors, which say when their message is fit to show.
  const httpError = error as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof httpError?.status === 'number' && httpError.status >= 400 && httpError.status < 500 && httpError.expose === true) {
    return make(httpError.status, typeof httpError.message === 'string' ? httpError.message : 'Bad request');
  }
  return make(500, `Internal error; the request may be retried${withKey ? ' with the same Idempotency-Key' : ''}`);
}

/** Response headers a failure calls for, beside its problem document. */
export function problemHeaders(error: unknown, problem: Problem): Record<string, string> {
  if (error instanceof ProblemException) return { ...(error.extra.headers ?? {}) };
  if (error instanceof EventStoreBusyError) return { 'Retry-After': String(error.retryAfterSeconds) };
  if (problem.status === 503) return { 'Retry-After': String(STORAGE_RETRY_AFTER_SECONDS) };
  return {};
}

const logger = new Logger('Errors');

/** Answers a failure as a problem document; every 5xx is logged (with its stack, unless the store was only busy). */
export function sendProblem(reply: FastifyReply, error: unknown, request: FastifyRequest = reply.request): void {
  const problem = toProblem(error, retryAdviceFor(request));
  // Another process's long write is an operating condition, not a bug: one line, no stack (whichever
  // thread met it: a batch thread's busy store arrives as the problem it made, BatchThread).
  if (problem.code === 'STORE_BUSY' || problem.code === 'NOT_PROJECTED_YET') logger.warn(error instanceof Error ? error.message : String(error));
  else if (problem.status >= 500) logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  if (reply.sent || reply.raw.headersSent) {
    // A streamed answer (server-sent events, an export) already started: nothing can be said any more.
    reply.raw.end();
    return;
  }
  // A refusal is about this request: never kept by a cache, whichever hook ran or not before it.
  reply.header('Cache-Control', 'no-store');
  reply.headers(problemHeaders(error, problem));
  // Refused before its body was read: closing beats reading (Node would) a body nobody wants.
  const incoming = request.raw;
  if (!incoming.complete && (incoming.headers['transfer-encoding'] !== undefined || Number(incoming.headers['content-length'] ?? 0) > 0)) {
    reply.header('Connection', 'close');
  }
  reply.code(problem.status).type('application/problem+json; charset=utf-8').send(JSON.stringify(problem));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getResponse<FastifyReply>(), error, http.getRequest<FastifyRequest>());
  }
}
