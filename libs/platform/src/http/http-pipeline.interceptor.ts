// The API's interceptors, in their one order, as a single global interceptor: Nest wraps each global
// interceptor's next step in an rxjs `defer` and an `AsyncResource.bind` (which defines deprecated
// accessors on every call), per request; three of them cost ~6% of a 360 read's HTTP-thread CPU.
// Here the steps are chained directly (each still lazy: the next one runs when the previous one
// subscribes to it), so only the route itself goes through Nest's wrapping.
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { defer, mergeAll, type Observable } from 'rxjs';
import { AccessLogInterceptor } from '../access/access-recorder';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { RequestBodyInterceptor } from './request-body.interceptor';

@Injectable()
export class HttpPipelineInterceptor implements NestInterceptor {
  private readonly steps: readonly NestInterceptor[];

  constructor(body: RequestBodyInterceptor, idempotency: IdempotencyInterceptor, access: AccessLogInterceptor) {
    // In this order: the body is read after the guard, before the Idempotency-Key fingerprints it.
    this.steps = [body, idempotency, access];
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    return this.from(0, context, next);
  }

  private from(index: number, context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    const step = this.steps[index];
    if (!step) return next.handle();
    return step.intercept(context, { handle: () => defer(async () => this.from(index + 1, context, next)).pipe(mergeAll()) });
  }
}
