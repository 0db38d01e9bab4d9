// Snapshots of a customer's streams hold their decoded state, personal values in clear (a customer's
// profile). This SnapshotStore seals each snapshot's data whole with the customer's data key, bound
// to the stream, revision and version, so a snapshot is as forgettable as the events: once the key is
// destroyed it reads as no snapshot (the command folds the stream, whose personal values read as
// FORGOTTEN) and no new one is written.
import type { Snapshot, SnapshotStore } from '@app/event-store';
import { DataKeyDestroyedError, type DataKey } from '@app/key-store';
import { open, seal, type CodecKeyStore } from './personal-data-codec';

interface SealedData {
  readonly keyId: string;
  readonly sealed: string;
}

function associated(snapshot: Snapshot, keyId: string): Buffer {
  return Buffer.from(`snapshot\u0000${snapshot.streamId}\u0000${snapshot.revision}\u0000${snapshot.version}\u0000${snapshot.customerId}\u0000${keyId}`, 'utf8');
}

export class SealedSnapshotStore implements SnapshotStore {
  constructor(
    private readonly inner: SnapshotStore,
    private readonly keys: CodecKeyStore,
  ) {}

  /** A snapshot whose key is gone, or that does not open with it, is absent: a cache miss. */
  async read(streamIds: readonly string[]): Promise<Map<string, Snapshot>> {
    const opened = new Map<string, Snapshot>();
    for (const [streamId, snapshot] of await this.inner.read(streamIds)) {
      const data = snapshot.data as Partial<SealedData> | null;
      if (typeof data?.keyId !== 'string' || typeof data.sealed !== 'string') continue;
      const found = await this.keys.get(snapshot.customerId);
      if (found.state !== 'live' || found.key.keyId !== data.keyId) continue;
      try {
        opened.set(streamId, { ...snapshot, data: open(found.key, associated(snapshot, data.keyId), data.sealed, `snapshot of ${streamId}`) });
      } catch {
        continue;
      }
    }
    return opened;
  }

  async write(snapshot: Snapshot): Promise<void> {
    let key: DataKey;
    try {
      key = await this.keys.getOrCreate(snapshot.customerId);
    } catch (error) {
      // A forgotten customer: nothing of their state is kept, not even sealed.
      if (error instanceof DataKeyDestroyedError) return this.inner.delete(snapshot.streamId);
      throw error;
    }
    const data: SealedData = { keyId: key.keyId, sealed: seal(key, associated(snapshot, key.keyId), snapshot.data) };
    await this.inner.write({ ...snapshot, data });
  }

  delete(streamId: string): Promise<void> {
    return this.inner.delete(streamId);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
