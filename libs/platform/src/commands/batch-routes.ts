// Where a batch request runs. The batch routes (POST /v1/interactions/batch, POST /v1/customers/batch)
// register how they validate and execute their items under a name; a request is then run by the
// process's BATCH_RUNNER: here, on the HTTP thread (BatchRoutes itself), or in the all-in-one
// process's batch thread (libs/composition, EMBEDDED_BATCHES), which registers the same routes in a
// command-side context of its own, so that a batch's validation, deciding and sealing never hold up
// the reads the HTTP thread serves (issue 13: reads never queue behind writes). Either way the
// request's items, its context and the instant it arrived are all a batch depends on, and its answer
// is plain data.
import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../http/command-context.decorator';
import { runBatch, type BatchAnswer, type BatchOptions } from './command-batch';

export type BatchRouteName = 'interactions' | 'customers';

/**
 * How a route runs its items; `now` is when the request arrived (an item's business time defaults to
 * it), taken on the thread that received the request.
 */
export type BatchRoute<P, O> = (now: Date) => BatchOptions<P, O>;

/** Runs a batch request of a registered route, wherever the process runs them. */
export interface BatchRunner {
  run<O>(route: BatchRouteName, items: readonly unknown[], ctx: RequestContext, now: Date): Promise<BatchAnswer<O>>;
}

export const BATCH_RUNNER = Symbol('BatchRunner');

/** The batch routes of this context, and the runner that runs them here. */
@Injectable()
export class BatchRoutes implements BatchRunner {
  private readonly routes = new Map<BatchRouteName, BatchRoute<unknown, unknown>>();

  register<P, O>(name: BatchRouteName, route: BatchRoute<P, O>): void {
    this.routes.set(name, route as BatchRoute<unknown, unknown>);
  }

  run<O>(name: BatchRouteName, items: readonly unknown[], ctx: RequestContext, now: Date): Promise<BatchAnswer<O>> {
    const route = this.routes.get(name);
    if (!route) return Promise.reject(new Error(`No batch route named ${name} in this process (its command module is not loaded)`));
    return runBatch(items, ctx, route(now)) as Promise<BatchAnswer<O>>;
  }
}
