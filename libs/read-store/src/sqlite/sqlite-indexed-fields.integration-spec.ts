// The SQLite read store answers filters on an indexed field from an expression index: every filter,
// sort and aggregate must answer alike on an indexed and an unindexed copy of the same documents,
// whatever the field holds (text, numbers, -0, booleans, null, missing, objects, arrays, dates), and
// an overwritten or deleted document must leave nothing behind in the index.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Filter, ReadDocument, ReadStoreWrite, SortField } from '../read-store.port';
import { SqliteReadStore } from './sqlite-read-store';

const directories: string[] = [];

function tempFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sqlite-columns-'));
  directories.push(directory);
  return join(directory, 'read-models.sqlite');
}

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** Every kind of value a JSON document can hold at the indexed paths `v` and `n.v`, and none. */
const VALUES: readonly unknown[] = [
  'text', 'Text', '', '123', 'name:person 1', 'é-accent', 0, 1, -1, 2.5, 1e21, -0, 123, true, false, null, undefined,
  { a: 1 }, [1, 'two'], [], {}, Number.NaN, new Date('2026-12-02T10:00:00.000Z'),
];

function documents(): ReadDocument[] {
  return VALUES.flatMap((value, i) => [
    { id: `d${i}`, lastPosition: i + 1, v: value, n: { v: value }, k: i % 3 },
    // The same value one level down only, and a parent that is not an object.
    { id: `e${i}`, lastPosition: i + 1, n: i % 2 === 0 ? { v: value } : [value], k: i % 3 },
  ]);
}

const SCALARS = ['text', '', '123', 'name', 0, 1, -1, 2.5, 1e21, 123, true, false, null] as const;

function filters(field: string): Filter[] {
  const list: Filter[] = [];
  for (const value of SCALARS) {
    list.push({ [field]: value }, { [field]: { ne: value } });
    if (typeof value === 'string' || typeof value === 'number') {
      list.push({ [field]: { gt: value } }, { [field]: { gte: value } }, { [field]: { lt: value } }, { [field]: { lte: value } });
    }
  }
  list.push(
    { [field]: { in: ['text', 1, null, true] } },
    { [field]: { in: [2.5, 123, ''] } },
    { [field]: { prefix: 'name' } },
    { [field]: { prefix: '' } },
    { [field]: { exists: true } },
    { [field]: { exists: false } },
    { or: [{ [field]: 'text' }, { k: 1 }] },
    { and: [{ [field]: { gte: 0 } }, { k: { ne: 2 } }] },
  );
  return list;
}

describe('SqliteReadStore indexed fields', () => {
  let store: SqliteReadStore;

  afterEach(async () => {
    await store.close();
  });

  it('answers every filter, sort and aggregate on an indexed field as on the same field unindexed', async () => {
    store = new SqliteReadStore(tempFile());
    await store.ensureCollections([
      { name: 'indexed', indexes: [{ fields: [{ field: 'v', direction: 'asc' }] }, { fields: [{ field: 'n.v', direction: 'desc' }] }] },
      { name: 'plain', indexes: [] },
    ]);
    const docs = documents();
    const writes = (collection: string): ReadStoreWrite[] => docs.map((doc) => ({ kind: 'upsert', collection, doc }));
    await store.applyBatch([...writes('indexed'), ...writes('plain')]);
    // The index is used, so the parity below compares answers from the index with answers from a scan.
    expect(store.queryPlan('indexed', { v: 'text' }).join('\n')).toMatch(/SEARCH rm_indexed USING INDEX rm_indexed__v_asc \(<expr>=\?\)/);
    expect(store.queryPlan('indexed', { 'n.v': 'text' }).join('\n')).toMatch(/SEARCH rm_indexed USING INDEX rm_indexed__n_v_desc \(<expr>=\?\)/);
    expect(store.queryPlan('plain', { v: 'text' }).join('\n')).toMatch(/SCAN rm_plain/);

    const ids = (rows: readonly ReadDocument[]) => rows.map((row) => row.id);
    for (const field of ['v', 'n.v']) {
      for (const filter of filters(field)) {
        const expected = ids(await store.find('plain', filter, { sort: [{ field: 'id', direction: 'asc' }] }));
        expect({ filter, ids: ids(await store.find('indexed', filter, { sort: [{ field: 'id', direction: 'asc' }] })) }).toEqual({ filter, ids: expected });
        expect({ filter, count: await store.count('indexed', filter) }).toEqual({ filter, count: expected.length });
      }
      for (const direction of ['asc', 'desc'] as const) {
        const sort: SortField[] = [{ field, direction }];
        expect({ sort, ids: ids(await store.find('indexed', {}, { sort })) }).toEqual({ sort, ids: ids(await store.find('plain', {}, { sort })) });
      }
      const spec = { groupBy: [field, 'k'], sum: [field] };
      expect(await store.aggregate('indexed', {}, spec)).toEqual(await store.aggregate('plain', {}, spec));
    }
  });

  it('keeps the index with the document: an overwritten value is no longer found, a deleted document nowhere', async () => {
    store = new SqliteReadStore(tempFile());
    await store.ensureCollections([{ name: 'c', indexes: [{ fields: [{ field: 'status', direction: 'asc' }] }] }]);
    await store.applyBatch([
      { kind: 'upsert', collection: 'c', doc: { id: 'a', lastPosition: 1, status: 'open' } },
      { kind: 'upsert', collection: 'c', doc: { id: 'b', lastPosition: 1, status: 'open' } },
    ]);
    await store.applyBatch([
      { kind: 'upsert', collection: 'c', doc: { id: 'a', lastPosition: 2, status: 'closed' } },
      // An older write loses to the newer document: its value is not taken either.
      { kind: 'upsert', collection: 'c', doc: { id: 'a', lastPosition: 1, status: 'stale' } },
      { kind: 'upsert', collection: 'c', doc: { id: 'b', lastPosition: 2 } },
    ]);
    expect((await store.find('c', { status: 'open' })).map((d) => d.id)).toEqual([]);
    expect((await store.find('c', { status: 'stale' })).map((d) => d.id)).toEqual([]);
    expect((await store.find('c', { status: 'closed' })).map((d) => d.id)).toEqual(['a']);
    expect((await store.find('c', { status: { exists: false } })).map((d) => d.id)).toEqual(['b']);
    await store.applyBatch([{ kind: 'delete', collection: 'c', id: 'a', position: 3 }]);
    expect(await store.count('c', { status: 'closed' })).toBe(0);
  });
});
