// Applies IdempotentRequests to the command routes: a controller declares with @AcceptsIdempotencyKey()
// that its mutating routes take the Idempotency-Key header (documented in OpenAPI by the same decorator).
import {
  applyDecorators, type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, Optional, ServiceUnavailableException, SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { IDEMPOTENCY_KEYS, type IdempotencyKeys } from '@app/event-store';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { markRetriedWithIdempotencyKey } from '../errors/problem.filter';
import { HEADER_VALUE_PATTERN, idempotencyKeyOf, markIdempotencyClaimed } from '../http/command-context.decorator';
import { UNSAFE_METHODS } from '../http/methods';
import { IdempotentRequests } from './idempotent-requests';
import { IDEMPOTENCY_FINGERPRINT_KEY, requestFingerprint } from './request-fingerprint';

export const IDEMPOTENT_METADATA = 'chronicle:idempotent';

/** The controller's POST/PUT/PATCH/DELETE routes honour Idempotency-Key. */
export const AcceptsIdempotencyKey = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_METADATA, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      schema: { type: 'string', pattern: HEADER_VALUE_PATTERN.source, minLength: 1, maxLength: 200 },
      description:
        'Unique per API key across all routes. A retry of the same request (method, route, path, query and JSON body) gets the first answer with `replayed: true` and appends nothing, also while the first is still running; a different request with the key is a 409. A 4xx answer frees the key.',
    }),
  );

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  /** Where keys are kept (a command API): the requests they hold, and the key their fingerprints are computed with. */
  private readonly keeping: { readonly requests: IdempotentRequests; readonly fingerprintKey: Buffer } | undefined;

  /** Both come with the command side's stores (the key with the store that keeps what it fingerprints). */
  constructor(
    private readonly reflector: Reflector,
    @Optional() @Inject(IDEMPOTENCY_KEYS) keys?: IdempotencyKeys,
    @Optional() @Inject(IDEMPOTENCY_FINGERPRINT_KEY) fingerprintKey?: Buffer,
  ) {
    if (keys && !fingerprintKey) throw new Error('An Idempotency-Key store is provided without IDEMPOTENCY_FINGERPRINT_KEY');
    this.keeping = keys && fingerprintKey ? { requests: new IdempotentRequests(keys), fingerprintKey } : undefined;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    if (!this.reflector.getAllAndOverride<boolean>(IDEMPOTENT_METADATA, [context.getHandler(), context.getClass()])) return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!UNSAFE_METHODS.has(request.method)) return next.handle();
    // Whether or not it came with a key, where keys are kept: a failure's answer may tell to send it again with one.
    if (this.keeping) markRetriedWithIdempotencyKey(request);
    const key = idempotencyKeyOf(request);
    if (key === undefined) return next.handle();
    if (!this.keeping) throw new ServiceUnavailableException('This process keeps no Idempotency-Key store; send the request without the header or to a command API');
    const apiKeyId = request.principal?.keyId ?? 'anonymous';
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const run = this.keeping.requests.run({ scope: apiKeyId, key }, requestFingerprint(request, this.keeping.fingerprintKey), async () => {
      markIdempotencyClaimed(request, { apiKeyId, key });
      const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      return { status: reply.statusCode, body: body ?? null };
    });
    return from(
      run.then(({ answer, replayed }) => {
        if (!replayed) return answer.body;
        reply.code(answer.status);
        return replayedAnswer(answer.body);
      }),
    );
  }
}

/** The recorded answer as a retry gets it: every command outcome in it says `replayed: true`. */
export function replayedAnswer(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(replayedAnswer);
  if (typeof body !== 'object' || body === null) return body;
  const copy: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) copy[field] = replayedAnswer(value);
  if (Array.isArray(copy.eventIds) && typeof copy.replayed === 'boolean') copy.replayed = true;
  return copy;
}
