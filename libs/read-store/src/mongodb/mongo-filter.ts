// Compiles the ReadStore port's typed Filter to a MongoDB query, using only operators that real
// MongoDB and FerretDB 1.24 both support.
import type { Document } from 'mongodb';
import type { FieldOperators, Filter } from '../read-store.port';
import { isLogical, isOperators, prefixUpperBound } from '../filter-parts';

/** The read model's `id` is stored as `_id`. */
export function storedPath(field: string): string {
  return field === 'id' ? '_id' : field;
}

/** The MongoDB query for a port filter: each field operator its own clause, combined with $and. */
export function compileFilter(filter: Filter): Document {
  if (isLogical(filter, 'and')) {
    const parts = filter.and.map(compileFilter);
    return parts.length === 0 ? {} : parts.length === 1 ? (parts[0] as Document) : { $and: parts };
  }
  if (isLogical(filter, 'or')) {
    // `$or: []` is an error on the server; an empty `or` holds for no document.
    if (filter.or.length === 0) return { _id: { $in: [] } };
    return { $or: filter.or.map(compileFilter) };
  }
  const conditions: Document[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    const path = storedPath(field);
    if (isOperators(condition)) conditions.push(...compileOperators(path, condition));
    else conditions.push({ [path]: { $eq: condition } });
  }
  return conditions.length === 0 ? {} : conditions.length === 1 ? (conditions[0] as Document) : { $and: conditions };
}



/** One clause per operator, so two operators never compete for one key (a prefix range and a gte). */
function compileOperators(path: string, ops: FieldOperators): Document[] {
  const clauses: Document[] = [];
  const add = (operator: string, value: unknown): void => {
    clauses.push({ [path]: { [operator]: value } });
  };
  if (ops.eq !== undefined) add('$eq', ops.eq);
  if (ops.ne !== undefined) add('$ne', ops.ne);
  if (ops.gt !== undefined) add('$gt', ops.gt);
  if (ops.gte !== undefined) add('$gte', ops.gte);
  if (ops.lt !== undefined) add('$lt', ops.lt);
  if (ops.lte !== undefined) add('$lte', ops.lte);
  if (ops.in !== undefined) add('$in', [...ops.in]);
  if (ops.prefix !== undefined) clauses.push(prefixClause(path, ops.prefix));
  // Equality on an array field matches when an element equals the value.
  if (ops.contains !== undefined) clauses.push({ [path]: ops.contains });
  if (ops.exists !== undefined) add('$exists', ops.exists);
  return clauses;
}

/**
 * A string prefix as the range [prefix, next) where `next` bumps the last code point: strings
 * compare by code point (UTF-8 bytes) on the server, and a range can use an index. Where no bump
 * exists (empty prefix, or the last code point is U+10FFFF) an anchored, escaped regex does it.
 */
export function prefixClause(path: string, prefix: string): Document {
  const upper = prefixUpperBound(prefix);
  if (upper === null) return { [path]: { $regex: `^${escapeRegex(prefix)}` } };
  return { [path]: { $gte: prefix, $lt: upper } };
}


function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export { prefixUpperBound } from '../filter-parts';
