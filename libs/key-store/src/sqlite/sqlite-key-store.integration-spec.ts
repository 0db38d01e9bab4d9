// The KeyStore contract on the SQLite adapter (each connection its own, as separate processes have),
// and what the file itself holds: wrapped keys only, and nothing of a destroyed key.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteLockBusyError } from '@app/sqlite';
import { holdWriteLock, type WriteLockHolder } from '@app/sqlite/testing/write-lock-holder';
import { MasterKeyRing } from '../master-key-ring';
import { describeKeyStoreContract } from '../testing/key-store.contract';
import { SqliteKeyStore } from './sqlite-key-store';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function newDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-keys-'));
  directories.push(directory);
  return directory;
}

describeKeyStoreContract('SqliteKeyStore', async () => {
  const file = join(newDirectory(), 'keys.sqlite');
  return { open: (ring) => new SqliteKeyStore(file, ring), dispose: async () => undefined };
});

describe('SqliteKeyStore key creation', () => {
  it('refuses every customer of a group whose keys cannot be wrapped, rather than leaving them waiting, and writes nothing', async () => {
    class UnavailableRing extends MasterKeyRing {
      override wrap(): never {
        throw new Error('the master key is unavailable');
      }
    }
    const file = join(newDirectory(), 'keys.sqlite');
    const store = new SqliteKeyStore(file, new UnavailableRing([Buffer.alloc(32, 7)]));
    try {
      const asked = [store.getOrCreate('c-1'), store.getOrCreate('c-2'), store.getOrCreate('c-1')];
      const settled = await Promise.allSettled(asked);
      expect(settled.map((result) => (result.status === 'rejected' ? (result.reason as Error).message : 'created'))).toEqual(Array(3).fill('the master key is unavailable'));
      expect(await store.get('c-1')).toEqual({ state: 'none' });
    } finally {
      await store.close();
    }
  });
});

describe('SqliteKeyStore file', () => {
  it('holds neither a data key nor, once destroyed, its wrapping anywhere in its files (WAL included)', async () => {
    const directory = newDirectory();
    const ring = new MasterKeyRing([Buffer.alloc(32, 7)]);
    const store = new SqliteKeyStore(join(directory, 'keys.sqlite'), ring);
    const kept = await store.getOrCreate('c-kept');
    const doomed = await store.getOrCreate('c-doomed');
    const files = () => Buffer.concat(readdirSync(directory).map((name) => readFileSync(join(directory, name))));
    const wrappedOf = async (customerId: string) => {
      // The wrapped bytes as stored: read back through a raw connection.
      const Database = (await import('better-sqlite3')).default;
      const db = new Database(join(directory, 'keys.sqlite'), { readonly: true });
      try {
        return (db.prepare('SELECT wrapped FROM data_keys WHERE customer_id = ?').get(customerId) as { wrapped: Buffer }).wrapped;
      } finally {
        db.close();
      }
    };
    const doomedWrapped = await wrappedOf('c-doomed');
    expect(files().includes(doomedWrapped)).toBe(true);
    for (const key of [kept.key, doomed.key]) expect(files().includes(key)).toBe(false);

    await store.destroy('c-doomed', { reason: 'test', requestedAt: '2026-05-01T00:00:00.000Z', context: {} }, '2026-05-01T00:00:00.000Z');
    expect(files().includes(doomedWrapped)).toBe(false);
    expect(files().includes(await wrappedOf('c-kept'))).toBe(true);
    await store.close();
  });
});

describe('SqliteKeyStore while another process holds the write lock', () => {
  let holder: WriteLockHolder | undefined;

  afterEach(() => {
    holder?.kill();
    holder = undefined;
  });

  it('creates a new customer\'s key without blocking the event loop once the lock is released', async () => {
    const file = join(newDirectory(), 'keys.sqlite');
    const store = new SqliteKeyStore(file, new MasterKeyRing([Buffer.alloc(32, 7)]), { writeLockBudgetMs: 60_000 });
    try {
      holder = await holdWriteLock(file);
      const created = store.getOrCreate('c-waiting');
      // Needs this process's event loop; a synchronous wait for the lock would settle the key first.
      expect(await holder.settledAfterRoundTrips(created)).toBe(false);
      await holder.commit();
      holder = undefined;
      const key = await created;
      expect(await store.get('c-waiting')).toEqual({ state: 'live', key });
    } finally {
      await store.close();
    }
  });

  it('refuses a key whose wait reaches the budget (SQLITE_BUSY, answered 503), and creates it when asked again', async () => {
    const file = join(newDirectory(), 'keys.sqlite');
    const store = new SqliteKeyStore(file, new MasterKeyRing([Buffer.alloc(32, 7)]), { writeLockBudgetMs: 30 });
    try {
      holder = await holdWriteLock(file);
      const refused: unknown = await store.getOrCreate('c-busy').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(WriteLockBusyError);
      expect((refused as { code: string }).code).toBe('SQLITE_BUSY');
      expect(await store.get('c-busy')).toEqual({ state: 'none' });
      await holder.commit();
      holder = undefined;
      expect((await store.getOrCreate('c-busy')).customerId).toBe('c-busy');
    } finally {
      await store.close();
    }
  });
});
