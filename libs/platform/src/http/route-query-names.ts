// The query parameter names a controller method declares: a named @Query('x'), or the properties of
// its @Query() DTO that carry a validation rule (the validation pipe refuses every other name).
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { getMetadataStorage } from 'class-validator';

const namesCache = new WeakMap<object, ReadonlySet<string>>();

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what ExecutionContext.getHandler() gives
export function routeQueryNames(controller: { prototype: object }, handler: Function): ReadonlySet<string> {
  const cached = namesCache.get(handler);
  if (cached !== undefined) return cached;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<string, { index: number; data?: unknown }>;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, handler.name) ?? []) as unknown[];
  const names = new Set<string>();
  for (const [key, arg] of Object.entries(args)) {
    if (key.split(':')[0] !== String(RouteParamtypes.QUERY)) continue;
    if (typeof arg.data === 'string') {
      names.add(arg.data);
      continue;
    }
    const dto = types[arg.index];
    if (typeof dto !== 'function') continue;
    for (const rule of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) names.add(rule.propertyName);
  }
  namesCache.set(handler, names);
  return names;
}
