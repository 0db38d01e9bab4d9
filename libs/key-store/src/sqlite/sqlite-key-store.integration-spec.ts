// The KeyStore contract on the SQLite adapter (each connection its own, as separate processes have),
// and what the file itself holds: wrapped keys only, and nothing of a destroyed key.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
