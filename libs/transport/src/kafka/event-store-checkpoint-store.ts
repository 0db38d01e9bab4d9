// CheckpointStore kept in the event store's own stream metadata: `relaycheckpoint-<name>` carries
// custom `{ position }`. Stream metadata is not an event of the global log, so saving a checkpoint
// never feeds the relay a new event to publish.
import type { EventStore } from '@app/event-store';
import type { CheckpointStore } from './checkpoint-store';

export const RELAY_CHECKPOINT_CATEGORY = 'relaycheckpoint';

export function relayCheckpointStreamId(name: string): string {
  return `${RELAY_CHECKPOINT_CATEGORY}-${name}`;
}

export class EventStoreCheckpointStore implements CheckpointStore {
  constructor(private readonly store: EventStore) {}

  async load(name: string): Promise<number | null> {
    const metadata = await this.store.getStreamMetadata(relayCheckpointStreamId(name));
    const position = metadata.custom?.['position'];
    if (position === undefined || position === null) return null;
    if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
      throw new Error(`Relay checkpoint ${name} holds ${JSON.stringify(position)}, not a global position`);
    }
    return position;
  }

  async save(name: string, position: number): Promise<void> {
    const streamId = relayCheckpointStreamId(name);
    // Metadata is replaced as a whole, so keep whatever else an operator put there (e.g. maxCount).
    const current = await this.store.getStreamMetadata(streamId);
    await this.store.setStreamMetadata(streamId, { ...current, custom: { ...current.custom, position } });
  }
}
