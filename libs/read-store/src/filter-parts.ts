// What every filter compiler needs to read the port's typed Filter, whatever it compiles to.
import type { FieldOperators, Filter, Scalar } from './read-store.port';

export function isLogical<K extends 'and' | 'or'>(filter: Filter, key: K): filter is Extract<Filter, Record<K, readonly Filter[]>> {
  return Array.isArray((filter as Record<string, unknown>)[key]);
}

export function isOperators(condition: Scalar | FieldOperators): condition is FieldOperators {
  return typeof condition === 'object' && condition !== null;
}

/** The smallest string greater than every string starting with `prefix`, or null when there is none. */
export function prefixUpperBound(prefix: string): string | null {
  const codePoints = [...prefix];
  const last = codePoints.pop();
  if (last === undefined) return null;
  let next = (last.codePointAt(0) as number) + 1;
  if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // surrogates are not characters
  if (next > 0x10ffff) return null;
  return codePoints.join('') + String.fromCodePoint(next);
}
