// Picks each port's adapter from the configuration: SQLite embedded, or EventStoreDB / Kafka / MongoDB.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CodecEventStore, EventStoreDbAccessLog, EventStoreDbEventStore, EventStoreDbIdempotencyKeys, EventStoreDbLogSealer, SqliteAccessLog, SqliteEventStore, SqliteIdempotencyKeys, upcastingCodec,
  type AccessLog, type EventCodec, type EventStore, type IdempotencyKeys,
} from '@app/event-store';
import { GenerationalReadStore, MongoReadStore, SqliteReadStore, type ReadStore } from '@app/read-store';
import type { ChronicleConfig } from '@app/platform';
import { chronicleEventSchemas } from './event-schemas';

/**
 * How stored events become the events readers see (current schema version), for every path: the
 * event store below, and the Kafka projector, which decodes what the relay published.
 */
export function readerCodec(_config: ChronicleConfig): EventCodec {
  return upcastingCodec(chronicleEventSchemas);
}

/** The event store as every reader in the domain sees it: events in their current schema version. */
export function openEventStore(config: ChronicleConfig): CodecEventStore {
  return new CodecEventStore(openStoredEventStore(config), readerCodec(config));
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

/**
 * The access log lives with the event store: a SQLite file of its own beside events.sqlite (so a
 * read never waits for the event store's write lock), or a system stream on EventStoreDB.
 */
export function openAccessLog(config: ChronicleConfig): AccessLog {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      mkdirSync(config.DATA_DIR, { recursive: true });
      return new SqliteAccessLog(join(config.DATA_DIR, 'access-log.sqlite'), { synchronous: config.SQLITE_SYNCHRONOUS });
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
      mkdirSync(config.DATA_DIR, { recursive: true });
      return new SqliteReadStore(join(config.DATA_DIR, 'read-models.sqlite'));
    case 'mongodb':
      return MongoReadStore.connect(config.MONGO_URL as string, config.MONGO_DB);
  }
}
