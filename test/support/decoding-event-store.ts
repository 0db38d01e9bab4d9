// An event store over a data folder's SQLite files as Chronicle's readers see it (personal values
// opened with the folder's key store), on connections of its own, as another process would have:
// for suites that check what was stored without going through the API.
import { loadConfig } from '@app/platform';
import type { CodecEventStore } from '@app/event-store';
import { openEventStore, openKeyStore } from '@app/composition';

export async function openDecodingEventStore(dataDir: string): Promise<CodecEventStore> {
  const config = loadConfig({ DATA_DIR: dataDir });
  const keys = await openKeyStore(config);
  const events = await openEventStore(config, keys);
  const close = events.close.bind(events);
  // Closing the store closes the key store it reads through.
  return Object.assign(events, { close: async () => { await close(); await keys.close(); } });
}
