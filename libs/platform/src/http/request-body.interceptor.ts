// Gives a route its JSON body, read only after the API key guard let the request through (guards
// run before interceptors), so a request without a valid key or role is refused with 401/403 before
// anything about its body (400, 413, 415) is looked at. The IdempotencyInterceptor comes after it
// and fingerprints the body read here. Also refuses query parameters named like Object.prototype's,
// and any query parameter on a route that takes none.
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { CHRONICLE_CONFIG, type ChronicleConfig } from '../config/chronicle-config';
import { queryStringProblems, RequestValidationError } from '../errors/validation';
import { FORBIDDEN_FIELD_NAMES, MAX_JSON_DEPTH, MAX_JSON_ENTRIES, readJsonBody, type JsonBodyLimits } from './json-body';
import { routeArgumentsOf } from './route-arguments';

const takesCache = new WeakMap<object, ReadonlySet<string>>();

/** The kinds of request data (`body`, `query`) a controller method declares parameters for. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what ExecutionContext.getHandler() gives
function routeTakes(controller: object, handler: Function): ReadonlySet<string> {
  const cached = takesCache.get(handler);
  if (cached !== undefined) return cached;
  const kinds = new Set(routeArgumentsOf(controller, handler.name).map((arg) => arg.kind));
  const takes = new Set<string>([...(kinds.has(String(RouteParamtypes.BODY)) ? ['body'] : []), ...(kinds.has(String(RouteParamtypes.QUERY)) ? ['query'] : [])]);
  takesCache.set(handler, takes);
  return takes;
}

/** Whether a controller method declares a `@Body()` parameter: the route's own word on taking a body. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what ExecutionContext.getHandler() gives
export function routeTakesBody(controller: object, handler: Function): boolean {
  return routeTakes(controller, handler).has('body');
}

@Injectable()
export class RequestBodyInterceptor implements NestInterceptor {
  private readonly limits: JsonBodyLimits;

  constructor(@Inject(CHRONICLE_CONFIG) config: ChronicleConfig) {
    this.limits = { maxBytes: config.MAX_BODY_BYTES, maxDepth: MAX_JSON_DEPTH, maxEntries: MAX_JSON_ENTRIES };
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const takes = routeTakes(context.getClass(), context.getHandler());
    const names = Object.keys((request.query as Record<string, unknown> | undefined) ?? {});
    const forbidden = names.filter((name) => FORBIDDEN_FIELD_NAMES.has(name));
    if (forbidden.length > 0) throw new RequestValidationError(forbidden.map((field) => ({ field, message: 'unknown field (not allowed)' })));
    const malformed = queryStringProblems(request.query);
    if (malformed.length > 0) throw new RequestValidationError(malformed);
    // A route without query parameters refuses any, as a DTO refuses unknown ones: `?dryRun=true` on a
    // command must not be silently ignored.
    if (!takes.has('query') && names.length > 0) throw new RequestValidationError(names.map((field) => ({ field, message: 'unknown query parameter (this route takes none)' })));
    const body = await readJsonBody(request.raw, takes.has('body'), this.limits);
    if (body !== undefined) request.body = body;
    return next.handle();
  }
}
