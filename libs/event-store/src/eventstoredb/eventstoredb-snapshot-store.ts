// Snapshots on EventStoreDB: one `$chronicle-snapshot-<streamId>` system stream per stream, with
// maxCount 1 so scavenging keeps only its last event, which is the stream's snapshot (or a
// `$SnapshotDeleted` marker once deleted). System streams and `$` event types stay out of
// Chronicle's global log (the adapter's readAll and subscriptions skip them); they need the admin
// credentials the $all subscription already needs. A read is one backwards read of one event per stream.
import { BACKWARDS, END, EventStoreDBClient, StreamNotFoundError, jsonEvent, type JSONType } from '@eventstore/db-client';
import type { Snapshot, SnapshotStore } from '../snapshot-store.port';

const SNAPSHOT_TYPE = '$Snapshot';
const DELETED_TYPE = '$SnapshotDeleted';

export class EventStoreDbSnapshotStore implements SnapshotStore {
  private readonly client: EventStoreDBClient;

  /** `connectionString`: the event store's, with admin credentials. */
  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async read(streamIds: readonly string[]): Promise<Map<string, Snapshot>> {
    const unique = [...new Set(streamIds)];
    const read = await Promise.all(unique.map((streamId) => this.readOne(streamId)));
    return new Map(read.filter((snapshot): snapshot is Snapshot => snapshot !== null).map((snapshot) => [snapshot.streamId, snapshot]));
  }

  async write(snapshot: Snapshot): Promise<void> {
    await this.appendLast(snapshot.streamId, SNAPSHOT_TYPE, { ...snapshot, data: snapshot.data as JSONType } as unknown as JSONType);
  }

  async delete(streamId: string): Promise<void> {
    // A marker rather than a stream deletion: a later write simply follows it, whatever the stream's state.
    await this.appendLast(streamId, DELETED_TYPE, { streamId });
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  /** Any expected revision: the last write wins, as the port says. */
  private async appendLast(streamId: string, type: string, data: JSONType): Promise<void> {
    const stream = snapshotStreamOf(streamId);
    const result = await this.client.appendToStream(stream, jsonEvent({ type, data }));
    // Set once, when the stream is created: only its last event matters.
    if (result.nextExpectedRevision === 0n) await this.client.setStreamMetadata(stream, { maxCount: 1 });
  }

  private async readOne(streamId: string): Promise<Snapshot | null> {
    try {
      for await (const resolved of this.client.readStream(snapshotStreamOf(streamId), { direction: BACKWARDS, fromRevision: END, maxCount: 1n })) {
        if (resolved.event?.type !== SNAPSHOT_TYPE) return null;
        const stored = resolved.event.data as unknown as Snapshot;
        return { streamId, revision: stored.revision, version: stored.version, customerId: stored.customerId, data: stored.data };
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return null;
  }
}

function snapshotStreamOf(streamId: string): string {
  return `$chronicle-snapshot-${streamId}`;
}
