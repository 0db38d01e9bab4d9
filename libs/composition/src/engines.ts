// Picks each port's adapter from the configuration: SQLite embedded, or EventStoreDB / Kafka / MongoDB.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CodecEventStore, composeCodecs, EventStoreDbEventStore, EventStoreDbIdempotencyKeys, SqliteEventStore, SqliteIdempotencyKeys, upcastingCodec, type EventCodec, type EventStore,
  type IdempotencyKeys,
} from '@app/event-store';
import { CachedKeyStore, MasterKeyRing, MongoKeyStore, SqliteKeyStore, type KeyStore } from '@app/key-store';
import { GenerationalReadStore, MongoReadStore, SqliteReadStore, type ReadStore } from '@app/read-store';
import type { ChronicleConfig } from '@app/platform';
import { personalDataCodec } from '@app/privacy';
import { chronicleEventSchemas } from './event-schemas';
import { chroniclePersonalData, ERASURE_EVENT_TYPE } from './personal-data';

/**
 * How stored events become the events readers see, on every path: the event store below, and the
 * Kafka projector, which decodes what the relay published. Decoding upcasts first, then opens the
 * sealed personal values with the customer's data key (FORGOTTEN once it is destroyed); encoding
 * seals them.
 */
export function readerCodec(keys: CachedKeyStore): EventCodec {
  return composeCodecs(
    personalDataCodec(chroniclePersonalData, keys, { refreshesKey: (event) => event.type === ERASURE_EVENT_TYPE }),
    upcastingCodec(chronicleEventSchemas),
  );
}

/** The event store as every reader in the domain sees it: current schema version, personal values in clear. */
export function openEventStore(config: ChronicleConfig, keys: CachedKeyStore): CodecEventStore {
  return new CodecEventStore(openStoredEventStore(config), readerCodec(keys));
}

/**
 * Events as the relay publishes them: in their current schema version, personal values still
 * sealed, so Kafka only ever carries ciphertext. Over the given store's own connection; closing the
 * given store closes it.
 */
export function publishedEventStore(store: EventStore): EventStore {
  return new CodecEventStore(store instanceof CodecEventStore ? store.inner : store, upcastingCodec(chronicleEventSchemas));
}

/** The configured event store itself: events exactly as stored. */
export function openStoredEventStore(config: ChronicleConfig): EventStore {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      mkdirSync(config.DATA_DIR, { recursive: true });
      return new SqliteEventStore(join(config.DATA_DIR, 'events.sqlite'), { synchronous: config.SQLITE_SYNCHRONOUS });
    case 'eventstoredb':
      return new EventStoreDbEventStore(config.EVENTSTORE_URL as string);
  }
}

/**
 * The master key ring: MASTER_KEY (base64 keys, comma-separated, current first), else the
 * MASTER_KEY_FILE (one per line), else DATA_DIR/master.key, created with a new random key on first
 * start (embedded default only: with KEY_STORE=mongodb every process must be given the same key).
 */
export function masterKeyRing(config: ChronicleConfig): MasterKeyRing {
  if (config.MASTER_KEY !== undefined) return MasterKeyRing.parse(config.MASTER_KEY.split(',').join('\n'));
  const file = config.MASTER_KEY_FILE ?? join(config.DATA_DIR, 'master.key');
  if (!existsSync(file)) {
    if (config.MASTER_KEY_FILE !== undefined) throw new Error(`MASTER_KEY_FILE ${file} does not exist`);
    mkdirSync(config.DATA_DIR, { recursive: true });
    try {
      writeFileSync(
        file,
        '# Chronicle master key: wraps every customer data key in keys.sqlite. Keep it apart from backups of the data.\n' +
          '# One base64 key per line, the current one first (see README, "Personal data").\n' +
          `${MasterKeyRing.generate()}\n`,
        { mode: 0o600, flag: 'wx' },
      );
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return MasterKeyRing.parse(readFileSync(file, 'utf8'));
}

/** The configured key store, behind the process's one key cache (a forget here drops the key at once). */
export async function openKeyStore(config: ChronicleConfig): Promise<CachedKeyStore> {
  const ring = masterKeyRing(config);
  let store: KeyStore;
  switch (config.KEY_STORE) {
    case 'sqlite':
      mkdirSync(config.DATA_DIR, { recursive: true });
      store = new SqliteKeyStore(join(config.DATA_DIR, 'keys.sqlite'), ring);
      break;
    case 'mongodb':
      store = await MongoKeyStore.connect(config.MONGO_URL as string, config.KEY_STORE_MONGO_DB, ring);
      break;
  }
  return new CachedKeyStore(store, { ttlMs: config.KEY_CACHE_TTL_MS, maxEntries: config.KEY_CACHE_SIZE });
}

/** Idempotency keys live beside the events, so every process writing to the store shares them. */
export function openIdempotencyKeys(config: ChronicleConfig): IdempotencyKeys {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      mkdirSync(config.DATA_DIR, { recursive: true });
      return new SqliteIdempotencyKeys(join(config.DATA_DIR, 'events.sqlite'), { synchronous: config.SQLITE_SYNCHRONOUS });
    case 'eventstoredb':
      return new EventStoreDbIdempotencyKeys(config.EVENTSTORE_URL as string);
  }
}

/** The read store a process serves and projects into: the live read-model generation of the configured store. */
export async function openReadStore(config: ChronicleConfig): Promise<GenerationalReadStore> {
  return GenerationalReadStore.live(await openPhysicalReadStore(config));
}

/** The configured read store itself, every generation in it (for rebuilds and their housekeeping). */
export async function openPhysicalReadStore(config: ChronicleConfig): Promise<ReadStore> {
  switch (config.READ_STORE) {
    case 'sqlite':
      mkdirSync(config.DATA_DIR, { recursive: true });
      return new SqliteReadStore(join(config.DATA_DIR, 'read-models.sqlite'));
    case 'mongodb':
      return MongoReadStore.connect(config.MONGO_URL as string, config.MONGO_DB);
  }
}
