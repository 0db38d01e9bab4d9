import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { holdWriteLock, type WriteLockHolder } from '@app/sqlite/testing/write-lock-holder';
import { ReadStoreBusyError, type Filter, type ReadDocument, type ReadStoreWrite, type SortField } from '../read-store.port';
import { describeReadStoreContract } from '../testing/read-store.contract';
import { SqliteReadStore, type SqliteReadStoreWrites } from './sqlite-read-store';

const WRITE_MODES: readonly SqliteReadStoreWrites[] = ['inline', 'thread'];

const directories: string[] = [];

function tempFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sqlite-reads-'));
  directories.push(directory);
  return join(directory, 'read-models.sqlite');
}

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describeReadStoreContract('SqliteReadStore (temp file)', async () => {
  const store = new SqliteReadStore(tempFile());
  return { store, dispose: () => store.close() };
});

describeReadStoreContract('SqliteReadStore (temp file, writes on a write thread)', async () => {
  const store = new SqliteReadStore(tempFile(), { writes: 'thread' });
  return { store, dispose: () => store.close() };
});

describe.each(WRITE_MODES)('SqliteReadStore specifics (writes %s)', (mode) => {
  let file: string;
  let store: SqliteReadStore;

  beforeEach(async () => {
    file = tempFile();
    store = new SqliteReadStore(file, { writes: mode });
    await store.ensureCollections([
      {
        name: 'lookup',
        indexes: [
          { fields: [{ field: 'key', direction: 'asc' }] },
          { fields: [{ field: 'customer.id', direction: 'asc' }, { field: 'at', direction: 'desc' }] },
        ],
      },
    ]);
    const writes = Array.from({ length: 200 }, (_, i) => ({
      kind: 'upsert' as const,
      collection: 'lookup',
      doc: { id: `k${i}`, lastPosition: i + 1, key: `name:person ${i}`, customer: { id: `c${i % 20}` }, at: `2024-01-${String((i % 28) + 1).padStart(2, '0')}` },
    }));
    await store.applyBatch(writes);
  });

  afterEach(async () => {
    await store.close();
  });

  it('answers an eq filter on an indexed field from its expression index', async () => {
    const plan = store.queryPlan('lookup', { key: 'name:person 7' });
    expect(plan.join('\n')).toMatch(/SEARCH rm_lookup USING INDEX rm_lookup__key_asc \(<expr>=\?\)/);
    expect(await store.find('lookup', { key: 'name:person 7' })).toHaveLength(1);
  });

  it('answers a prefix filter with a range search on the index, not a scan', async () => {
    const plan = store.queryPlan('lookup', { key: { prefix: 'name:person 1' } });
    expect(plan.join('\n')).toMatch(/SEARCH rm_lookup USING INDEX rm_lookup__key_asc \(<expr>>\? AND <expr><\?\)/);
    expect(plan.join('\n')).not.toMatch(/SCAN/);
    // person 1, 10-19, 100-199
    expect(await store.count('lookup', { key: { prefix: 'name:person 1' } })).toBe(111);
  });

  it('uses a compound index for eq on a nested field sorted by the second field', async () => {
    const plan = store.queryPlan('lookup', { 'customer.id': 'c3' }, { sort: [{ field: 'at', direction: 'desc' }] });
    expect(plan.join('\n')).toMatch(/SEARCH rm_lookup USING INDEX rm_lookup__customer_id_asc__at_desc \(<expr>=\?\)/);
  });

  it('refuses field paths and collection names that are not plain identifiers', async () => {
    await expect(store.find('lookup', { "key') OR 1=1 --": 'x' })).rejects.toThrow('Invalid field path');
    await expect(store.find('lookup', {}, { sort: [{ field: 'a b', direction: 'asc' }] })).rejects.toThrow('Invalid field path');
    await expect(store.aggregate('lookup', {}, { groupBy: ['$where'] })).rejects.toThrow('Invalid field path');
    await expect(store.get('lookup; DROP TABLE x', 'k1')).rejects.toThrow('Invalid collection name');
    await expect(store.ensureCollections([{ name: 'ok', indexes: [{ fields: [{ field: "x']", direction: 'asc' }] }] }])).rejects.toThrow(
      'Invalid field path',
    );
  });

  it('keeps nothing of an overwritten or deleted document in its files once purged (secure_delete, WAL truncated)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    const bytes = () => Buffer.concat(readdirSync(dirname(file)).map((name) => readFileSync(join(dirname(file), name)))).toString('latin1');
    const big = (text: string) => `${text} `.repeat(400); // several pages: overflow pages too
    await store.applyBatch([
      { kind: 'upsert', collection: 'lookup', doc: { id: 'secret', lastPosition: 1001, key: 'SecretKeyMarker', note: big('SecretNoteMarker') } },
      { kind: 'upsert', collection: 'lookup', doc: { id: 'gone', lastPosition: 1001, key: 'GoneKeyMarker', note: big('GoneNoteMarker') } },
    ]);
    expect(bytes()).toContain('SecretNoteMarker');
    await store.applyBatch([
      { kind: 'upsert', collection: 'lookup', doc: { id: 'secret', lastPosition: 1002, key: 'scrubbed', note: 'scrubbed' } },
      { kind: 'delete', collection: 'lookup', id: 'gone', position: 1002 },
    ]);
    await store.purge(['lookup']);
    expect(bytes()).not.toContain('SecretNoteMarker');
    expect(bytes()).not.toContain('SecretKeyMarker');
    expect(bytes()).not.toContain('GoneNoteMarker');
    expect(bytes()).not.toContain('GoneKeyMarker');
    expect(await store.get('lookup', 'secret')).toEqual({ id: 'secret', lastPosition: 1002, key: 'scrubbed', note: 'scrubbed' });
  });

  it('runs writes in the order they were called, whichever connection runs them', async () => {
    const upsert = (id: string, position: number): ReadStoreWrite => ({ kind: 'upsert', collection: 'lookup', doc: { id, lastPosition: position, key: id } });
    // Not awaited in between: a batch the write thread commits must not land after a clear called later.
    const calls = [
      store.applyBatch([upsert('first', 1001)], { name: 'order', position: 1001 }),
      store.clear(['lookup']),
      store.applyBatch([upsert('second', 1002)], { name: 'order', position: 1002 }),
      store.deleteCheckpoint('order'),
      store.applyBatch([upsert('third', 1003)]),
    ];
    await Promise.all(calls);
    expect((await store.find('lookup', {})).map((doc) => doc.id).sort()).toEqual(['second', 'third']);
    expect(await store.getCheckpoint('order')).toBeNull();
  });

  it('uses WAL, keeps documents and checkpoints across reopen', async () => {
    await store.applyBatch([], { name: 'projector', position: 200 });
    const before = await store.find('lookup', {}, { sort: [{ field: 'id', direction: 'asc' }] });
    await store.close();
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
    store = new SqliteReadStore(file, { writes: mode });
    expect(await store.find('lookup', {}, { sort: [{ field: 'id', direction: 'asc' }] })).toEqual(before);
    expect(await store.getCheckpoint('projector')).toBe(200);
  });

  // better-sqlite3's native addon keeps the SqliteError class of the first Jest module registry that
  // loaded it, so in a worker shared with other suites its errors are not `instanceof Error` here.
  it('writes a batch and its checkpoint atomically: a failing write leaves neither', async () => {
    await store.ensureCollections([{ name: 'codes', indexes: [{ fields: [{ field: 'code', direction: 'asc' }], unique: true }] }]);
    await store.applyBatch([{ kind: 'upsert', collection: 'codes', doc: { id: 'one', lastPosition: 1, code: 'A' } }], { name: 'p', position: 1 });
    await expect(
      store.applyBatch(
        [
          { kind: 'upsert', collection: 'codes', doc: { id: 'two', lastPosition: 2, code: 'B' } },
          { kind: 'upsert', collection: 'codes', doc: { id: 'three', lastPosition: 3, code: 'A' } },
        ],
        { name: 'p', position: 3 },
      ),
    ).rejects.toHaveProperty('message', expect.stringMatching(/UNIQUE/));
    expect(await store.get('codes', 'two')).toBeNull();
    expect(await store.getCheckpoint('p')).toBe(1);
  });
});

describe.each(WRITE_MODES)('SqliteReadStore while another process holds the write lock (writes %s)', (mode) => {
  let file: string;
  let store: SqliteReadStore | undefined;
  let holder: WriteLockHolder | undefined;

  beforeEach(() => {
    file = tempFile();
  });

  afterEach(async () => {
    holder?.kill();
    holder = undefined;
    await store?.close();
    store = undefined;
  });

  it('waits for the lock without blocking the event loop and writes the batch once it is released', async () => {
    store = new SqliteReadStore(file, { writeLockBudgetMs: 60_000, writes: mode });
    await store.ensureCollections([{ name: 'lookup', indexes: [] }]);
    holder = await holdWriteLock(file);

    const batch = store.applyBatch([{ kind: 'upsert', collection: 'lookup', doc: { id: 'a', lastPosition: 5, key: 'x' } }], { name: 'p', position: 5 });
    // Needs this process's event loop; a synchronous wait for the lock would settle the batch first.
    expect(await holder.settledAfterRoundTrips(batch)).toBe(false);
    expect(await store.getCheckpoint('p')).toBeNull();

    await holder.commit();
    await batch;
    expect(await store.get('lookup', 'a')).toMatchObject({ key: 'x', lastPosition: 5 });
    expect(await store.getCheckpoint('p')).toBe(5);
  });

  // Readiness asks checkWritable. It failed at once (database is locked) whenever another connection
  // was committing, so readiness flapped down while the projector thread wrote (found by the e2e
  // suites polling /health/ready during ingest): a lock held for less than a write's budget is not a
  // store that is down.
  it('reports itself writable once a lock held for less than the budget is released, and busy only after the budget', async () => {
    store = new SqliteReadStore(file, { writeLockBudgetMs: 60_000 });
    await store.ensureCollections([{ name: 'lookup', indexes: [] }]);
    holder = await holdWriteLock(file);
    const probe = store.checkWritable().then(() => 'writable', (error: unknown) => error);
    await holder.ping();
    await holder.commit();
    expect(await probe).toBe('writable');
    await store.close();

    store = new SqliteReadStore(file, { writeLockBudgetMs: 30 });
    holder = await holdWriteLock(file);
    const refused: unknown = await store.checkWritable().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ReadStoreBusyError);
    expect((refused as Error).message).toContain(file);
  });

  it('refuses a write whose wait reaches the budget with a clear error and writes nothing', async () => {
    store = new SqliteReadStore(file, { writeLockBudgetMs: 30, writes: mode });
    await store.ensureCollections([{ name: 'lookup', indexes: [] }]);
    holder = await holdWriteLock(file);

    const refused: unknown = await store
      .applyBatch([{ kind: 'upsert', collection: 'lookup', doc: { id: 'a', lastPosition: 5 } }], { name: 'p', position: 5 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ReadStoreBusyError);
    expect((refused as Error).message).toContain(file);
    await holder.commit();
    expect(await store.get('lookup', 'a')).toBeNull();
    expect(await store.getCheckpoint('p')).toBeNull();
  });
});

// The SQLite read store answers filters on an indexed field from an expression index: every filter,
// sort and aggregate must answer alike on an indexed and an unindexed copy of the same documents,
// whatever the field holds (text, numbers, -0, booleans, null, missing, objects, arrays, dates), and
// an overwritten or deleted document must leave nothing behind in the index.
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
