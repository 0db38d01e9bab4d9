// Every read of a customer's data leaves an entry in the access log before it is answered: who (the
// API key, never a header), for whom they said they read it, what, whose, when. A route declares
// it with @AccessLogged: the customer comes from a path parameter, or from the answer (a ticket, a
// search, a queue: whose data it holds is known once read, and recorded before it is sent); routes
// that stream pages (a stream, the global log) call the AccessRecorder themselves.
import { Inject, Injectable, Optional, ServiceUnavailableException, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SSE_METADATA } from '@nestjs/common/constants';
import { catchError, concatMap, from, ignoreElements, map, merge, switchMap, throwError, type Observable } from 'rxjs';
import type { Clock } from '@app/event-sourcing';
import { ACCESS_LOG, accessResource, type AccessLog } from '@app/event-store';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { requestContext } from '../http/command-context.decorator';
import { routeQueryNames } from '../http/route-query-names';
import { CLOCK } from '../platform.tokens';

export const ACCESS_LOGGED_METADATA = 'chronicle:access-logged';

export interface AccessLoggedSpec {
  /** What is read, as the access log names it (`customer360`, `timeline`...). */
  readonly action: string;
  /** The path parameter naming the customer; omit (and no `customersInAnswer`) for reads that span every customer. */
  readonly customerParam?: string;
  /** The customers whose data the answer holds (one entry each, none for an empty answer). */
  readonly customersInAnswer?: (answer: never) => readonly string[];
}

/**
 * This route reads customer data: each call is recorded in the access log before it is answered.
 * `customers`: the path parameter naming the customer (default `customerId`), null for a read
 * spanning every customer, or a function naming the customers in the answer.
 */
export const AccessLogged = <A = never>(action: string, customers: string | null | ((answer: A) => readonly string[]) = 'customerId') =>
  SetMetadata(
    ACCESS_LOGGED_METADATA,
    (typeof customers === 'function'
      ? { action, customersInAnswer: customers as (answer: never) => readonly string[] }
      : { action, ...(customers === null ? {} : { customerParam: customers }) }) satisfies AccessLoggedSpec,
  );

@Injectable()
export class AccessRecorder {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(ACCESS_LOG) private readonly log?: AccessLog,
  ) {}

  /**
   * Records one read per customer (null: a read spanning every customer); resolves once durable.
   * `queryNames`: the query parameters the route declares, when it records before its query is
   * validated; the resource names no other (a route recording after validation has no other).
   */
  async record(request: AuthenticatedRequest, action: string, customerIds: readonly (string | null)[], queryNames?: ReadonlySet<string>): Promise<void> {
    // No access log, no customer data: a read that cannot be recorded is not served.
    if (!this.log) throw new ServiceUnavailableException('The access log is not available in this process, so customer data is not served');
    const context = requestContext(request);
    const at = this.clock.now().toISOString();
    const resource = accessResource(request.method, request.originalUrl ?? request.url, queryNames);
    await Promise.all(
      [...new Set(customerIds)].map((customerId) =>
        (this.log as AccessLog).record({
          at,
          actor: { id: context.actor.id, ...(context.actor.name === undefined ? {} : { name: context.actor.name }), ...(context.actor.role === undefined ? {} : { role: context.actor.role }) },
          ...(context.onBehalfOf === undefined ? {} : { onBehalfOf: context.onBehalfOf }),
          action,
          customerId,
          resource,
          correlationId: context.correlationId,
        }),
      ),
    );
  }
}

@Injectable()
export class AccessLogInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly recorder: AccessRecorder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.getAllAndOverride<AccessLoggedSpec | undefined>(ACCESS_LOGGED_METADATA, [context.getHandler(), context.getClass()]);
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // Recorded while the route (and its query's validation) runs: only the names it declares are named.
    const queryNames = routeQueryNames(context.getClass(), context.getHandler());
    const inAnswer = spec.customersInAnswer;
    if (inAnswer) {
      return next.handle().pipe(concatMap((answer: unknown) => from(this.recorder.record(request, spec.action, inAnswer(answer as never), queryNames)).pipe(map(() => answer))));
    }
    const param = spec.customerParam === undefined ? undefined : (request.params as Readonly<Record<string, string | undefined>>)[spec.customerParam];
    const customerId = typeof param === 'string' ? param : null;
    // The route runs while its entry is committed (on the access log's own thread), and nothing it
    // answers goes out before the entry is recorded: its answer, its refusal (a 404 for an unknown
    // customer) and each server-sent event wait for the commit, and a refused entry answers with its
    // refusal at once (ending a stream of events too). Recording first and reading after made every
    // read wait for the commit and then for a turn of the event loop, behind whatever queued meanwhile.
    const recorded = this.recorder.record(request, spec.action, [customerId], queryNames);
    const answers = next.handle().pipe(concatMap((answer) => from(recorded).pipe(map(() => answer))));
    // Server-sent events: Nest sends the stream's headers one macrotask after the chain returns, so a
    // refusal of the route (404) passes at once, or it would come after the headers (it reveals no data).
    const sse = Reflect.getMetadata(SSE_METADATA, context.getHandler()) === true;
    return merge(
      from(recorded).pipe(ignoreElements()),
      sse ? answers : answers.pipe(catchError((error: unknown) => from(recorded).pipe(switchMap(() => throwError(() => error))))),
    );
  }
}
