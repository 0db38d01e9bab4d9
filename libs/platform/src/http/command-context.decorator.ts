// Builds the CommandContext (actor, source, correlation, idempotency key) from an HTTP request.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { deterministicEventId } from '@app/event-sourcing';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import type { CommandContext, IdempotencyClaimed } from '../commands/command-context';
import { RequestValidationError } from '../errors/validation';
import { invalidInput } from '../errors/problem.filter';

const HEADER_VALUE = /^[\x21-\x7e]{1,200}$/;

/** The headers' names as the docs spell them, for `errors[].field`. */
const HEADER_NAMES: Readonly<Record<string, string>> = {
  'idempotency-key': 'Idempotency-Key',
  'x-actor-id': 'X-Actor-Id',
  'x-source': 'X-Source',
  'x-correlation-id': 'X-Correlation-Id',
  'x-causation-id': 'X-Causation-Id',
};

function header(request: AuthenticatedRequest, name: keyof typeof HEADER_NAMES): string | undefined {
  // Node joins repeated headers with ", ": the distinct values tell a header sent twice from a bad one.
  const values = request.raw.headersDistinct[name];
  if (values === undefined) return undefined;
  const field = HEADER_NAMES[name];
  if (values.length > 1) throw invalidInput(field, `Header ${field} was sent more than once; send it once`);
  if (!HEADER_VALUE.test(values[0])) throw invalidInput(field, `Header ${field} must be 1–200 visible ASCII characters`);
  return values[0];
}

/** The request's Idempotency-Key header, if it has one (400 when it is not 1–200 visible ASCII characters). */
export function idempotencyKeyOf(request: AuthenticatedRequest): string | undefined {
  return header(request, 'idempotency-key');
}

const CLAIMED = Symbol('chronicle.idempotencyClaimed');

/** Set by the IdempotencyInterceptor once the request holds its key; only then do commands see the key. */
export function markIdempotencyClaimed(request: AuthenticatedRequest, claimed: IdempotencyClaimed): void {
  (request as { [CLAIMED]?: IdempotencyClaimed })[CLAIMED] = claimed;
}

/** Everything about a command but its business time, which comes from the body's `occurredAt`. */
export type RequestContext = Omit<CommandContext, 'occurredAt'>;

export function requestContext(request: AuthenticatedRequest): RequestContext {
  const principal = request.principal;
  const claimedActor = header(request, 'x-actor-id');
  const idempotency = (request as { [CLAIMED]?: IdempotencyClaimed })[CLAIMED];
  return {
    // The key that authenticated the request is the actor; the header only says on whose behalf.
    actor: {
      type: principal?.roles.includes('support') ? 'agent' : 'service',
      id: principal?.keyId ?? 'anonymous',
      ...(principal ? { name: principal.label, role: principal.roles.join(',') } : {}),
    },
    ...(claimedActor !== undefined ? { onBehalfOf: { id: claimedActor } } : {}),
    source: header(request, 'x-source') ?? principal?.label ?? 'api',
    correlationId: header(request, 'x-correlation-id') ?? randomUUID(),
    causationId: header(request, 'x-causation-id') ?? null,
    ...(idempotency !== undefined ? { idempotency } : {}),
  };
}

/**
 * An id (a new customer's, a new segment's) derived from the request's Idempotency-Key and the API
 * key that sent it (and the item's index in a batch), so a retry that runs again names the same
 * thing; undefined without a key.
 */
export function idFromIdempotencyKey(ctx: RequestContext, purpose: string): string | undefined {
  const claimed = ctx.idempotency;
  if (!claimed) return undefined;
  return claimed.item === undefined
    ? deterministicEventId(purpose, claimed.apiKeyId, claimed.key)
    : deterministicEventId(purpose, claimed.apiKeyId, claimed.key, 'item', claimed.item);
}

/** What @Ctx() gives a route; the OpenAPI document recognises the routes that read these headers by it. */
export function readRequestContext(_: unknown, context: ExecutionContext): RequestContext {
  return requestContext(context.switchToHttp().getRequest<AuthenticatedRequest>());
}

/** `@Ctx() ctx: RequestContext` in a controller method. */
export const Ctx = createParamDecorator(readRequestContext);

/** The headers a command reads besides its body (1–200 visible ASCII characters each; else 400). */
export const CONTEXT_HEADERS: Readonly<Record<string, string>> = {
  'X-Correlation-Id': 'Kept on every event the request records (and on what reactors record in response); generated when absent.',
  'X-Causation-Id': 'The id of what caused this request, kept on its events as causationId: the caller\'s claim (the actor, always the API key, says who sent it).',
  'X-Actor-Id': 'On whose behalf the caller acts (an agent id, say), kept beside the actor, which is always the API key.',
  'X-Source': 'The publishing system, kept on the events as source; defaults to the API key\'s label. The caller\'s claim: the actor, always the API key, says who sent it.',
};

/** The pattern of every header value the commands read, Idempotency-Key included. */
export const HEADER_VALUE_PATTERN = HEADER_VALUE;

const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/**
 * The earliest business time a command takes: no interaction Chronicle records happened before
 * 1970 (found from outside: a ticket opened in the year 1 was taken and shown "overdue by 739,947 d").
 */
export const EARLIEST_OCCURRED_AT = '1970-01-01T00:00:00.000Z';
const EARLIEST_OCCURRED_AT_MS = Date.parse(EARLIEST_OCCURRED_AT);

/** The business time of a command: the client's `occurredAt` (not in the future, not before 1970) or now. */
export function businessTime(occurredAt: string | undefined, now: Date): string {
  return commandTime(occurredAt, now).occurredAt;
}

/**
 * A command context's time: the client's `occurredAt` (not more than MAX_FUTURE_SKEW_MS ahead of
 * now, for clocks that run a little fast, and not before EARLIEST_OCCURRED_AT), or now, marked as
 * assigned by the server.
 */
export function commandTime(occurredAt: string | undefined, now: Date): Pick<CommandContext, 'occurredAt' | 'occurredAtAssigned'> {
  if (occurredAt === undefined) return { occurredAt: now.toISOString(), occurredAtAssigned: true };
  const at = new Date(occurredAt);
  if (at.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
    throw new RequestValidationError([{ field: 'occurredAt', message: 'occurredAt must not lie in the future' }]);
  }
  if (at.getTime() < EARLIEST_OCCURRED_AT_MS) {
    throw new RequestValidationError([{ field: 'occurredAt', message: `occurredAt must not lie before ${EARLIEST_OCCURRED_AT.replace('.000Z', 'Z')}` }]);
  }
  return { occurredAt: at.toISOString() };
}
