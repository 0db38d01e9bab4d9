// The query parameter names a controller method declares: a named @Query('x'), or the properties of
// its @Query() DTO that carry a validation rule (the validation pipe refuses every other name).
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { validationRulesOf } from '../openapi/validation-schemas';
import { routeArgumentsOf } from './route-arguments';

const namesCache = new WeakMap<object, ReadonlySet<string>>();

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what ExecutionContext.getHandler() gives
export function routeQueryNames(controller: { prototype: object }, handler: Function): ReadonlySet<string> {
  const cached = namesCache.get(handler);
  if (cached !== undefined) return cached;
  const names = new Set<string>();
  for (const arg of routeArgumentsOf(controller, handler.name)) {
    if (arg.kind !== String(RouteParamtypes.QUERY)) continue;
    if (typeof arg.data === 'string') names.add(arg.data);
    else if (typeof arg.type === 'function') for (const name of validationRulesOf(arg.type).keys()) names.add(name);
  }
  namesCache.set(handler, names);
  return names;
}
