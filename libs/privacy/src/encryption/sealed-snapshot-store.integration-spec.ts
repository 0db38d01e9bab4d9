// Snapshots sealed with the customer's data key: the SnapshotStore contract holds through the seal,
// nothing personal is stored in clear, and a forgotten customer's snapshots read as none.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore, SqliteSnapshotStore, type Snapshot, type SnapshotStore } from '@app/event-store';
import { describeSnapshotStoreContract } from '@app/event-store/testing/snapshot-store.contract';
import { CachedKeyStore, MasterKeyRing, SqliteKeyStore } from '@app/key-store';
import { SealedSnapshotStore } from './sealed-snapshot-store';

const ring = new MasterKeyRing([Buffer.alloc(32, 7)]);
const directories: string[] = [];

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function fresh() {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sealed-snapshots-'));
  directories.push(directory);
  const file = join(directory, 'events.sqlite');
  const keys = new CachedKeyStore(new SqliteKeyStore(join(directory, 'keys.sqlite'), ring));
  return { file, keys, events: new SqliteEventStore(file) };
}

describeSnapshotStoreContract('SealedSnapshotStore over SqliteSnapshotStore', async () => {
  const { file, keys, events } = fresh();
  const opened: SnapshotStore[] = [];
  return {
    events,
    open: () => {
      const snapshots = new SealedSnapshotStore(new SqliteSnapshotStore(file), keys);
      opened.push(snapshots);
      return snapshots;
    },
    dispose: async () => {
      await Promise.all(opened.map((snapshots) => snapshots.close()));
      await keys.close();
      await events.close();
    },
  };
});

describe('SealedSnapshotStore', () => {
  const snapshot: Snapshot = {
    streamId: 'customer-c-7',
    revision: 12,
    version: 'customer/1',
    customerId: 'c-7',
    data: { state: { status: 'active', profile: { firstName: 'Ada', email: 'ada@example.org' } } },
  };

  it('stores nothing personal in clear, and reads a forgotten customer\'s snapshot as none (and writes none)', async () => {
    const { file, keys, events } = fresh();
    const snapshots = new SealedSnapshotStore(new SqliteSnapshotStore(file), keys);
    await snapshots.write(snapshot);
    expect((await snapshots.read([snapshot.streamId])).get(snapshot.streamId)).toEqual(snapshot);
    const raw = new Database(file, { readonly: true });
    const stored = raw.prepare('SELECT data FROM snapshots').all() as { data: string }[];
    raw.close();
    expect(stored).toHaveLength(1);
    expect(stored[0].data).not.toContain('Ada');

    await keys.destroy('c-7', { reason: 'spec', requestedAt: '2026-05-01T00:00:00.000Z', context: {} }, '2026-05-01T00:00:00.000Z');
    expect(await snapshots.read([snapshot.streamId])).toEqual(new Map());
    await snapshots.write({ ...snapshot, revision: 13 });
    expect(await new SqliteSnapshotStore(file).read([snapshot.streamId])).toEqual(new Map());
    await Promise.all([snapshots.close(), keys.close(), events.close()]);
  });

  it('reads a sealed snapshot moved to another stream or revision as none', async () => {
    const { file, keys, events } = fresh();
    const plain = new SqliteSnapshotStore(file);
    const snapshots = new SealedSnapshotStore(plain, keys);
    await snapshots.write(snapshot);
    const stored = (await plain.read([snapshot.streamId])).get(snapshot.streamId) as Snapshot;
    await plain.write({ ...stored, revision: 40 });
    await plain.write({ ...stored, streamId: 'customer-c-8' });
    expect(await snapshots.read([snapshot.streamId, 'customer-c-8'])).toEqual(new Map());
    await Promise.all([snapshots.close(), keys.close(), events.close()]);
  });
});
