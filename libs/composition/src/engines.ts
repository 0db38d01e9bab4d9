// Picks each port's adapter from the configuration: SQLite embedded, or EventStoreDB / Kafka / MongoDB.
// SQLite files are opened only in a folder this process can write, and must take a write: SQLite
// opens a file it may not write read-only without a word, which would leave a server that is
// "ready" but answers every command with an error.
import { join } from 'node:path';
import {
  CodecEventStore, EventStoreDbAccessLog, EventStoreDbEventStore, EventStoreDbIdempotencyKeys, EventStoreDbLogSealer, SqliteAccessLog, SqliteEventStore, SqliteIdempotencyKeys, upcastingCodec,
  type AccessLog, type EventCodec, type EventStore, type IdempotencyKeys,
} from '@app/event-store';
import { GenerationalReadStore, MongoReadStore, SqliteReadStore, type ReadStore } from '@app/read-store';
import { describeSetting, ensureWritableFolder, StartupError, systemReason, type ChronicleConfig } from '@app/platform';
import { chronicleEventSchemas } from './event-schemas';

/** Opens one SQLite-backed adapter in DATA_DIR and proves it takes writes; a StartupError names the file otherwise. */
async function openSqlite<T extends { checkWritable?(): Promise<void>; close(): Promise<void> }>(config: ChronicleConfig, file: string, open: (path: string) => T): Promise<T> {
  const folder = ensureWritableFolder(config.DATA_DIR, 'DATA_DIR');
  const path = join(folder, file);
  const fail = (error: unknown): never => {
    throw new StartupError([describeSetting('DATA_DIR', config.DATA_DIR, `${path} cannot be written by this process (${systemReason(error)})`)]);
  };
  let store: T;
  try {
    store = open(path);
  } catch (error) {
    return fail(error);
  }
  try {
    await store.checkWritable?.();
  } catch (error) {
    await store.close().catch(() => undefined);
    fail(error);
  }
  return store;
}

/**
 * How stored events become the events readers see (current schema version), for every path: the
 * event store below, and the Kafka projector, which decodes what the relay published.
 */
export function readerCodec(_config: ChronicleConfig): EventCodec {
  return upcastingCodec(chronicleEventSchemas);
}

/** The event store as every reader in the domain sees it: events in their current schema version. */
export async function openEventStore(config: ChronicleConfig): Promise<CodecEventStore> {
  return new CodecEventStore(await openStoredEventStore(config), readerCodec(config));
}

/** The configured event store itself: events exactly as stored. */
export async function openStoredEventStore(config: ChronicleConfig): Promise<EventStore> {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      return openSqlite(config, 'events.sqlite', (path) => new SqliteEventStore(path, { synchronous: config.SQLITE_SYNCHRONOUS }));
    case 'eventstoredb':
      return new EventStoreDbEventStore(config.EVENTSTORE_URL as string);
  }
}

/** Idempotency keys live beside the events, so every process writing to the store shares them. */
export async function openIdempotencyKeys(config: ChronicleConfig): Promise<IdempotencyKeys> {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      return openSqlite(config, 'events.sqlite', (path) => new SqliteIdempotencyKeys(path, { synchronous: config.SQLITE_SYNCHRONOUS }));
    case 'eventstoredb':
      return new EventStoreDbIdempotencyKeys(config.EVENTSTORE_URL as string);
  }
}

/**
 * The access log lives with the event store: a SQLite file of its own beside events.sqlite (so a
 * read never waits for the event store's write lock), or a system stream on EventStoreDB.
 */
export async function openAccessLog(config: ChronicleConfig): Promise<AccessLog> {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      return openSqlite(config, 'access-log.sqlite', (path) => new SqliteAccessLog(path, { synchronous: config.SQLITE_SYNCHRONOUS }));
    case 'eventstoredb':
      return new EventStoreDbAccessLog(config.EVENTSTORE_URL as string);
  }
}

/**
 * The pipeline that seals the global log (EventStoreDB only: SQLite chains the log inside every
 * append), or undefined where there is nothing to seal.
 */
export function openLogSealer(config: ChronicleConfig): EventStoreDbLogSealer | undefined {
  return config.EVENT_STORE === 'eventstoredb' ? new EventStoreDbLogSealer(config.EVENTSTORE_URL as string) : undefined;
}

/** The read store a process serves and projects into: the live read-model generation of the configured store. */
export async function openReadStore(config: ChronicleConfig): Promise<GenerationalReadStore> {
  return GenerationalReadStore.live(await openPhysicalReadStore(config));
}

/** The configured read store itself, every generation in it (for rebuilds and their housekeeping). */
export async function openPhysicalReadStore(config: ChronicleConfig): Promise<ReadStore> {
  switch (config.READ_STORE) {
    case 'sqlite':
      return openSqlite(config, 'read-models.sqlite', (path) => new SqliteReadStore(path));
    case 'mongodb':
      return MongoReadStore.connect(config.MONGO_URL as string, config.MONGO_DB);
  }
}
