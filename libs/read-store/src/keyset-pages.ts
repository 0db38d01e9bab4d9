// Reading a whole collection (or a filtered part of it) a page at a time without offsets: each page
// starts after the last document of the one before, in the order the pages are sorted by.
import type { Filter, ReadDocument, ReadStore, SortField } from './read-store.port';

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
