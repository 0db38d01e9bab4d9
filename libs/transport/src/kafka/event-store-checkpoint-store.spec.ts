import type { EventStore, StreamMetadata } from '@app/event-store';
import { EventStoreCheckpointStore, relayCheckpointStreamId } from './event-store-checkpoint-store';

/** Only stream metadata is used by the checkpoint store; the rest of the port must stay untouched. */
function metadataOnlyStore(initial: Record<string, StreamMetadata> = {}) {
  const metadata = new Map(Object.entries(initial));
  const untouched = () => {
    throw new Error('the checkpoint store must only use stream metadata');
  };
  const store = {
    getStreamMetadata: async (streamId: string) => metadata.get(streamId) ?? {},
    setStreamMetadata: async (streamId: string, value: StreamMetadata) => void metadata.set(streamId, value),
    append: untouched, readStream: untouched, readAll: untouched, subscribeToAll: untouched,
    headPosition: untouched, close: untouched,
  } as unknown as EventStore;
  return { store, metadata };
}

describe('EventStoreCheckpointStore', () => {
  it('loads null before anything was saved, then the saved position', async () => {
    const { store, metadata } = metadataOnlyStore();
    const checkpoints = new EventStoreCheckpointStore(store);
    expect(await checkpoints.load('main')).toBeNull();
    await checkpoints.save('main', 42);
    await checkpoints.save('main', 57);
    expect(await checkpoints.load('main')).toBe(57);
    expect(await checkpoints.load('other')).toBeNull();
    expect(metadata.get('relaycheckpoint-main')).toEqual({ custom: { position: 57 } });
  });

  it('keeps the other metadata of the checkpoint stream', async () => {
    const { store, metadata } = metadataOnlyStore({
      [relayCheckpointStreamId('main')]: { maxCount: 1, custom: { owner: 'ops', position: 3 } },
    });
    await new EventStoreCheckpointStore(store).save('main', 9);
    expect(metadata.get('relaycheckpoint-main')).toEqual({ maxCount: 1, custom: { owner: 'ops', position: 9 } });
  });

  it('refuses a checkpoint that is not a global position', async () => {
    const { store } = metadataOnlyStore({ [relayCheckpointStreamId('main')]: { custom: { position: '12' } } });
    await expect(new EventStoreCheckpointStore(store).load('main')).rejects.toThrow(/not a global position/);
  });
});
