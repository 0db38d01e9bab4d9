// What a controller method takes, as Nest's decorators recorded it: each argument's kind (body,
// query, path parameter, custom decorator), its key or data, its pipes, and the class TypeScript
// emitted for it. Read by the OpenAPI document (what a route declares) and by the access log (which
// query parameters a route names).
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';

export interface RouteArgument {
  /** RouteParamtypes as a string (`BODY`'s number, …), or a custom decorator's key. */
  readonly kind: string;
  readonly data?: unknown;
  readonly pipes?: readonly unknown[];
  readonly factory?: unknown;
  /** The argument's class as TypeScript emitted it (a DTO class for a body or a whole query). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
  readonly type?: Function;
}

export function routeArgumentsOf(controller: object, handlerName: string): RouteArgument[] {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {}) as Record<string, { index: number; data?: unknown; pipes?: unknown[]; factory?: unknown }>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
  const types = (Reflect.getMetadata('design:paramtypes', (controller as { prototype: object }).prototype, handlerName) ?? []) as Function[];
  return Object.entries(args).map(([key, arg]) => ({ kind: key.split(':')[0], data: arg.data, pipes: arg.pipes, factory: arg.factory, type: types[arg.index] }));
}
