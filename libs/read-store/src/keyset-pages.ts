// Reading a whole collection (or a filtered part of it) a page at a time without offsets: each page
// starts after the last document of the one before, in the order the pages are sorted by.
import type { Filter, ReadDocument, ReadStore, Scalar, SortField } from './read-store.port';

export interface KeysetPaging<T extends ReadDocument> {
  /** The order of the pages; its fields (ending with a unique one) are the key `past` compares. */
  readonly sort: readonly SortField[];
  readonly pageSize: number;
  /** What lies past `last` in that order (e.g. `{ id: { gt: last.id } }`). */
  readonly past: (last: T) => Filter;
}

/**
 * The documents matching `filter`, page by page (none empty), each page read after the one before
 * was taken: a document written meanwhile is found at its new key if that lies ahead, never read at
 * an offset that writes have shifted.
 */
export async function* keysetPages<T extends ReadDocument>(store: Pick<ReadStore, 'find'>, collection: string, filter: Filter, paging: KeysetPaging<T>): AsyncGenerator<T[]> {
  const unfiltered = Object.keys(filter).length === 0;
  for (let last: T | undefined; ; ) {
    const where = last === undefined ? filter : unfiltered ? paging.past(last) : { and: [filter, paging.past(last)] };
    const page = await store.find<T>(collection, where, { sort: paging.sort, limit: paging.pageSize });
    if (page.length > 0) yield page;
    if (page.length < paging.pageSize) return;
    last = page[page.length - 1];
  }
}

/** A field of a keyset order; `nullable` where a document may hold null (or nothing) there. */
export interface KeysetField extends SortField {
  readonly nullable?: boolean;
}

/**
 * What lies strictly past a row whose keys in `order` are `keys` (one per field, the last field
 * unique): the filter of a page that starts after that row. Null sorts as MongoDB and SQLite both
 * sort it, first ascending and last descending, so a null key is paged over too.
 */
export function pastKeys(order: readonly KeysetField[], keys: readonly Scalar[]): Filter {
  if (keys.length !== order.length) throw new Error(`a keyset of ${order.length} fields needs as many keys, got ${keys.length}`);
  const alternatives: Filter[] = [];
  order.forEach((field, i) => {
    const beyond = beyondOn(field, keys[i] ?? null);
    if (beyond === undefined) return;
    const ties: Filter[] = order.slice(0, i).map((earlier, j) => ({ [earlier.field]: keys[j] ?? null }));
    alternatives.push(ties.length === 0 ? beyond : { and: [...ties, beyond] });
  });
  return alternatives.length === 1 ? (alternatives[0] as Filter) : { or: alternatives };
}

/** Values of one field that sort after `key` in the field's direction; undefined when none can. */
function beyondOn(field: KeysetField, key: Scalar): Filter | undefined {
  if (key === null) return field.direction === 'asc' ? { [field.field]: { ne: null } } : undefined;
  if (typeof key === 'boolean') throw new Error(`keyset field ${field.field}: a boolean key cannot be ordered`);
  const beyond: Filter = { [field.field]: field.direction === 'asc' ? { gt: key } : { lt: key } };
  return field.direction === 'desc' && field.nullable ? { or: [beyond, { [field.field]: null }] } : beyond;
}
