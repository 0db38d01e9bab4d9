import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SnapshotStore } from '../snapshot-store.port';
import { describeSnapshotStoreContract } from '../testing/snapshot-store.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { SqliteSnapshotStore } from './sqlite-snapshot-store';

const directories: string[] = [];

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

// Every connection is its own SQLite connection to the event store's file, as separate processes have.
describeSnapshotStoreContract('SqliteSnapshotStore (in the event store file)', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sqlite-snapshots-'));
  directories.push(directory);
  const file = join(directory, 'events.sqlite');
  const events = new SqliteEventStore(file);
  const opened: SnapshotStore[] = [];
  return {
    events,
    open: () => {
      const snapshots = new SqliteSnapshotStore(file);
      opened.push(snapshots);
      return snapshots;
    },
    dispose: async () => {
      await Promise.all(opened.map((snapshots) => snapshots.close()));
      await events.close();
    },
  };
});
