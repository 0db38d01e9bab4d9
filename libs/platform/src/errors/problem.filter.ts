// One place maps every failure to an HTTP status and an RFC 9457 problem document.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, DomainErrorCode } from '@app/event-sourcing';
import { DuplicateEventIdError, EventStoreBusyError, WrongExpectedRevisionError } from '@app/event-store';
import { RequestValidationError, type FieldProblem } from './validation';

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

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Maps any thrown value to a problem document. Exported for the batch endpoint's per-item results. */
export function toProblem(error: unknown): Problem {
  const make = (status: number, detail: string, extra: Partial<Problem> = {}): Problem => ({
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...extra,
  });
  if (error instanceof RequestValidationError) {
    return make(400, 'The request has invalid fields', { code: 'VALIDATION', errors: error.problems });
  }
  if (error instanceof DomainError) {
    return make(statusForDomainError(error.code), error.message, {
      code: error.code,
      ...(error.field ? { errors: [{ field: error.field, message: error.message }] } : {}),
    });
  }
  if (error instanceof WrongExpectedRevisionError) {
    return make(409, error.message, { code: DomainErrorCode.Conflict });
  }
  if (error instanceof DuplicateEventIdError) {
    return make(409, error.message, { code: 'DUPLICATE_EVENT_ID' });
  }
  if (error instanceof EventStoreBusyError) {
    // Nothing was written: the same request (same Idempotency-Key) may simply be sent again.
    return make(503, 'The event store is busy with another process\'s write; nothing was recorded, retry later', { code: 'STORE_BUSY' });
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const detail = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? error.message);
    return make(status, detail);
  }
  // Errors raised by express' body parser before Nest sees the request.
  const parserError = error as { type?: string; status?: number; message?: string };
  if (parserError?.type === 'entity.too.large') return make(413, `Request body too large: ${parserError.message ?? ''}`.trim());
  if (parserError?.type === 'entity.parse.failed') return make(400, 'The request body is not valid JSON', { code: 'INVALID_JSON' });
  if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') return make(415, parserError.message ?? 'Unsupported encoding');
  return make(500, 'Internal error; the request may be retried with the same Idempotency-Key');
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const problem = toProblem(error);
    if (error instanceof EventStoreBusyError) {
      this.logger.warn(error.message);
      response.setHeader('Retry-After', String(error.retryAfterSeconds));
    } else if (problem.status >= 500) {
      this.logger.error(error instanceof Error ? error.stack ?? error.message : String(error));
    }
    response.status(problem.status).type('application/problem+json').json(problem);
  }
}
