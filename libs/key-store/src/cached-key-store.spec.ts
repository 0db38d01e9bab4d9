// The key cache over a real SQLite key store (a file shared by two connections, as two processes
// would share it): what it answers from memory, and when it goes back to the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachedKeyStore } from './cached-key-store';
import { DataKeyDestroyedError, type KeyStore } from './key-store.port';
import { MasterKeyRing } from './master-key-ring';
import { SqliteKeyStore } from './sqlite/sqlite-key-store';

const ring = new MasterKeyRing([Buffer.alloc(32, 3)]);
const erasure = { reason: 'test', requestedAt: '2026-05-01T00:00:00.000Z', context: {} };

/** Counts what reaches the store. */
function counting(store: KeyStore): KeyStore & { reads: number } {
  const counted = Object.create(store) as KeyStore & { reads: number };
  counted.reads = 0;
  counted.get = async (id) => {
    counted.reads++;
    return store.get(id);
  };
  counted.getOrCreate = async (id) => {
    counted.reads++;
    return store.getOrCreate(id);
  };
  return counted;
}

describe('CachedKeyStore', () => {
  let directory: string;
  let here: SqliteKeyStore;
  let elsewhere: SqliteKeyStore;
  let store: KeyStore & { reads: number };
  let now: number;
  let cache: CachedKeyStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-key-cache-'));
    here = new SqliteKeyStore(join(directory, 'keys.sqlite'), ring);
    elsewhere = new SqliteKeyStore(join(directory, 'keys.sqlite'), ring);
    store = counting(here);
    now = 1_000_000;
    cache = new CachedKeyStore(store, { ttlMs: 60_000, maxEntries: 3, now: () => now });
  });

  afterEach(async () => {
    await cache.close();
    await elsewhere.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers a live key from memory until its TTL is over', async () => {
    const key = await cache.getOrCreate('c-1');
    expect(await cache.get('c-1')).toEqual({ state: 'live', key });
    expect(store.reads).toBe(1);
    now += 60_000;
    expect(await cache.get('c-1')).toEqual({ state: 'live', key });
    expect(store.reads).toBe(2);
  });

  it('asks the store once for many concurrent first uses of one customer', async () => {
    const keys = await Promise.all(Array.from({ length: 10 }, () => cache.getOrCreate('c-1')));
    expect(new Set(keys.map((key) => key.keyId)).size).toBe(1);
    expect(store.reads).toBe(1);
  });

  it('forgets a key at once when it destroys it, and remembers the destruction without asking again', async () => {
    await cache.getOrCreate('c-1');
    await cache.destroy('c-1', erasure, '2026-05-01T00:00:00.000Z');
    const reads = store.reads;
    await expect(cache.getOrCreate('c-1')).rejects.toBeInstanceOf(DataKeyDestroyedError);
    expect(await cache.get('c-1')).toMatchObject({ state: 'destroyed' });
    now += 10 * 60_000;
    expect(await cache.get('c-1')).toMatchObject({ state: 'destroyed' });
    expect(store.reads).toBe(reads);
  });

  it('keeps a key another process destroyed until the TTL, or until invalidated', async () => {
    await cache.getOrCreate('c-1');
    await cache.getOrCreate('c-2');
    await elsewhere.destroy('c-1', erasure, '2026-05-01T00:00:00.000Z');
    await elsewhere.destroy('c-2', erasure, '2026-05-01T00:00:00.000Z');
    expect(await cache.get('c-1')).toMatchObject({ state: 'live' });
    cache.invalidate('c-1');
    expect(await cache.get('c-1')).toMatchObject({ state: 'destroyed' });
    expect(await cache.get('c-2')).toMatchObject({ state: 'live' });
    now += 60_000;
    expect(await cache.get('c-2')).toMatchObject({ state: 'destroyed' });
  });

  it('keeps at most maxEntries keys, dropping the least recently used', async () => {
    for (const id of ['c-1', 'c-2', 'c-3']) await cache.getOrCreate(id);
    await cache.get('c-1');
    await cache.getOrCreate('c-4');
    const reads = store.reads;
    await cache.get('c-1');
    await cache.get('c-3');
    await cache.get('c-4');
    expect(store.reads).toBe(reads);
    await cache.get('c-2');
    expect(store.reads).toBe(reads + 1);
  });
});
