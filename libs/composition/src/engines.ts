// Picks each port's adapter from the configuration: SQLite embedded, or EventStoreDB / Kafka / MongoDB.
// SQLite files are opened only in a folder this process can write, and must take a write: SQLite
// opens a file it may not write read-only without a word, which would leave a server that is
// "ready" but answers every command with an error.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CodecEventStore, composeCodecs, SqliteAccessLog, SqliteEventStore, SqliteIdempotencyKeys, SqliteSessionRevocations, upcastingCodec, type AccessLog, type SessionRevocations, type EventCodec,
  type EventStore, type IdempotencyKeys, SqliteSnapshotStore, EventStoreBusyError, type SnapshotStore,
} from '@app/event-store';
import type { EventStoreDbLogSealer } from '@app/event-store/eventstoredb';
import { CachedKeyStore, MasterKeyRing, SqliteKeyStore, type KeyStore } from '@app/key-store';
import { GenerationalReadStore, ReadStoreBusyError, SqliteReadStore, type ReadStore, type SqliteReadStoreOptions, type SqliteReadStoreWrites } from '@app/read-store';
import { isSqliteBusy } from '@app/sqlite';
import type { ChronicleConfig } from '@app/platform';
import { describeSetting, StartupError } from '@app/platform/config/startup-error';
import { ensureWritableFolder, systemReason } from '@app/platform/config/writable-folder';
import { createFileOnce } from '@app/platform/config/create-file-once';
import { personalDataCodec } from '@app/privacy/encryption/personal-data-codec';
import { SealedSnapshotStore } from '@app/privacy/encryption/sealed-snapshot-store';
import { chronicleEventSchemas } from './event-schemas';
import { chroniclePersonalData, ERASURE_EVENT_TYPE } from './personal-data';

// The engines' drivers are loaded where they are configured, not by the embedded default: EventStoreDB's
// client with gRPC and MongoDB's driver each hold ~20 MB of RSS in every thread that loads them, and
// the all-in-one process loads this module in its projector thread too.
const eventStoreDb = (): typeof import('@app/event-store/eventstoredb') => require('@app/event-store/eventstoredb');
const mongoReadStore = (): typeof import('@app/read-store/mongodb') => require('@app/read-store/mongodb');
const mongoKeyStore = (): typeof import('@app/key-store/mongodb') => require('@app/key-store/mongodb');

/** The Kafka relay and projector with KafkaJS, where TRANSPORT=kafka is configured; undefined on the embedded transport. */
export function kafkaTransport(config: ChronicleConfig): typeof import('@app/transport/kafka') | undefined {
  return config.TRANSPORT === 'kafka' ? require('@app/transport/kafka') : undefined;
}

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
    // Another process has held the write lock for the whole wait: the file takes writes (its), and ours
    // will wait their turn.
    if (isSqliteBusy(error) || error instanceof EventStoreBusyError || error instanceof ReadStoreBusyError) return store;
    await store.close().catch(() => undefined);
    fail(error);
  }
  return store;
}

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
export async function openEventStore(config: ChronicleConfig, keys: CachedKeyStore): Promise<CodecEventStore> {
  return new CodecEventStore(await openStoredEventStore(config), readerCodec(keys));
}

/**
 * Events as the relay publishes them: in their current schema version, personal values still
 * sealed, so Kafka only ever carries ciphertext. Over the given store's own connection; closing the
 * given store closes it.
 */
export function publishedEventStore(store: EventStore): EventStore {
  return new CodecEventStore(store instanceof CodecEventStore ? store.inner : store, upcastingCodec(chronicleEventSchemas));
}

/**
 * The configured event store itself: events exactly as stored. `readOnly`: only to read and follow
 * the log (the embedded projector thread): a SQLite store starts no writer thread and refuses writes.
 */
export async function openStoredEventStore(config: ChronicleConfig, { readOnly = false }: { readonly readOnly?: boolean } = {}): Promise<EventStore> {
  switch (config.EVENT_STORE) {
    case 'sqlite': {
      const open = (path: string) => new SqliteEventStore(path, { synchronous: config.SQLITE_SYNCHRONOUS, writeLockBudgetMs: config.SQLITE_WRITE_LOCK_BUDGET_MS, readOnly });
      return readOnly ? open(join(config.DATA_DIR, 'events.sqlite')) : openSqlite(config, 'events.sqlite', open);
    }
    case 'eventstoredb':
      return new (eventStoreDb().EventStoreDbEventStore)(config.EVENTSTORE_URL as string);
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
    if (config.MASTER_KEY_FILE !== undefined) throw new StartupError([describeSetting('MASTER_KEY_FILE', file, 'the file does not exist')]);
    ensureWritableFolder(config.DATA_DIR, 'DATA_DIR');
    // Whole or not at all; if another process created it first (starting at once), theirs is read below.
    createFileOnce(
      file,
      '# Chronicle master key: wraps every customer data key in keys.sqlite. Keep it apart from backups of the data.\n' +
        '# One base64 key per line, the current one first (see README, "Personal data").\n' +
        `${MasterKeyRing.generate()}\n`,
    );
  }
  return MasterKeyRing.parse(readFileSync(file, 'utf8'));
}

/** The configured key store, behind the process's one key cache (a forget here drops the key at once). */
export async function openKeyStore(config: ChronicleConfig): Promise<CachedKeyStore> {
  const ring = masterKeyRing(config);
  let store: KeyStore;
  switch (config.KEY_STORE) {
    case 'sqlite':
      store = await openSqlite(config, 'keys.sqlite', (path) => new SqliteKeyStore(path, ring, { writeLockBudgetMs: config.SQLITE_WRITE_LOCK_BUDGET_MS }));
      break;
    case 'mongodb':
      store = await namingMongoUrl(config, () => mongoKeyStore().MongoKeyStore.connect(config.MONGO_URL as string, config.KEY_STORE_MONGO_DB, ring, { timeoutMs: config.MONGO_TIMEOUT_MS }));
      break;
  }
  return new CachedKeyStore(store, { ttlMs: config.KEY_CACHE_TTL_MS, maxEntries: config.KEY_CACHE_SIZE });
}

/** Idempotency keys live beside the events, so every process writing to the store shares them. */
export async function openIdempotencyKeys(config: ChronicleConfig, fingerprintKey: Buffer): Promise<IdempotencyKeys> {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      return openSqlite(config, 'events.sqlite', (path) =>
        new SqliteIdempotencyKeys(path, {
          synchronous: config.SQLITE_SYNCHRONOUS,
          writeLockBudgetMs: config.SQLITE_WRITE_LOCK_BUDGET_MS,
          // Fingerprints stored plain by earlier versions are keyed in place.
          fingerprintKey,
        }),
      );
    case 'eventstoredb':
      return new (eventStoreDb().EventStoreDbIdempotencyKeys)(config.EVENTSTORE_URL as string);
  }
}

/**
 * Snapshots live with the event store (a table of events.sqlite, `$chronicle-snapshot-<stream>`
 * streams on EventStoreDB), sealed with each customer's data key like the personal values of events.
 */
export async function openSnapshotStore(config: ChronicleConfig, keys: CachedKeyStore): Promise<SnapshotStore> {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      return new SealedSnapshotStore(
        await openSqlite(config, 'events.sqlite', (path) => new SqliteSnapshotStore(path, { synchronous: config.SQLITE_SYNCHRONOUS, writeLockBudgetMs: config.SQLITE_WRITE_LOCK_BUDGET_MS })),
        keys,
      );
    case 'eventstoredb':
      return new SealedSnapshotStore(new (eventStoreDb().EventStoreDbSnapshotStore)(config.EVENTSTORE_URL as string), keys);
  }
}

/**
 * Console sign-outs live with the event store (a table of events.sqlite, `$` streams on
 * EventStoreDB), which every API process of a deployment shares.
 */
export async function openSessionRevocations(config: ChronicleConfig): Promise<SessionRevocations> {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      return openSqlite(config, 'events.sqlite', (path) => new SqliteSessionRevocations(path, { synchronous: config.SQLITE_SYNCHRONOUS, writeLockBudgetMs: config.SQLITE_WRITE_LOCK_BUDGET_MS }));
    case 'eventstoredb':
      return new (eventStoreDb().EventStoreDbSessionRevocations)(config.EVENTSTORE_URL as string);
  }
}

/**
 * The access log lives with the event store: a SQLite file of its own beside events.sqlite (so a
 * read never waits for the event store's write lock), or a system stream on EventStoreDB.
 */
export async function openAccessLog(config: ChronicleConfig): Promise<AccessLog> {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      return openSqlite(config, 'access-log.sqlite', (path) => new SqliteAccessLog(path, { synchronous: config.SQLITE_SYNCHRONOUS, writeLockBudgetMs: config.SQLITE_WRITE_LOCK_BUDGET_MS, commits: config.ACCESS_LOG_COMMITS }));
    case 'eventstoredb':
      return new (eventStoreDb().EventStoreDbAccessLog)(config.EVENTSTORE_URL as string);
  }
}

/**
 * The pipeline that seals the global log (EventStoreDB only: SQLite chains the log inside every
 * append), or undefined where there is nothing to seal.
 */
export function openLogSealer(config: ChronicleConfig): EventStoreDbLogSealer | undefined {
  return config.EVENT_STORE === 'eventstoredb' ? new (eventStoreDb().EventStoreDbLogSealer)(config.EVENTSTORE_URL as string) : undefined;
}

/** The read store a process serves and projects into: the live read-model generation of the configured store. */
export async function openReadStore(config: ChronicleConfig, options: ReadStoreOpening = {}): Promise<GenerationalReadStore> {
  return GenerationalReadStore.live(await openPhysicalReadStore(config, options));
}

/**
 * Where the SQLite read store commits (SQLITE_READ_STORE_WRITES): `auto` puts the writes on a thread
 * only in a process running the Kafka projector. The embedded projector also prepares a batch while
 * the one before is written, and on a write thread catches up ~12% faster, but batch ingest and the
 * reads during it gain nothing there and the process holds 11-20 MB more (bench/README.md, "The
 * embedded projector pipelined"), so `auto` keeps its writes inline.
 */
export function sqliteReadStoreWrites(config: ChronicleConfig, runsKafkaProjector: boolean): SqliteReadStoreWrites {
  if (config.SQLITE_READ_STORE_WRITES !== 'auto') return config.SQLITE_READ_STORE_WRITES;
  return runsKafkaProjector ? 'thread' : 'inline';
}

/**
 * How a SQLite read store is opened (ignored for MongoDB): `checkpointsInBackground: false` where
 * another store of the process checkpoints the file; `writes` instead of SQLITE_READ_STORE_WRITES
 * (the CLI's rebuilds write on a thread, so the next batch is read and projected meanwhile).
 */
export type ReadStoreOpening = Pick<SqliteReadStoreOptions, 'checkpointsInBackground' | 'writes'>;

/** The configured read store itself, every generation in it (for rebuilds and their housekeeping). */
export async function openPhysicalReadStore(config: ChronicleConfig, { checkpointsInBackground, writes }: ReadStoreOpening = {}): Promise<ReadStore> {
  switch (config.READ_STORE) {
    case 'sqlite':
      return openSqlite(config, 'read-models.sqlite', (path) =>
        new SqliteReadStore(path, { writeLockBudgetMs: config.SQLITE_WRITE_LOCK_BUDGET_MS, checkpointsInBackground, writes: writes ?? sqliteReadStoreWrites(config, false) }),
      );
    case 'mongodb':
      return namingMongoUrl(config, () => mongoReadStore().MongoReadStore.connect(config.MONGO_URL as string, config.MONGO_DB, { timeoutMs: config.MONGO_TIMEOUT_MS }));
  }
}

/**
 * A first connection that fails says which setting to check (found from outside: "connect
 * ECONNREFUSED 127.0.0.1:39998" named no setting), without the URL's password.
 */
async function namingMongoUrl<T>(config: ChronicleConfig, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    const shown = (config.MONGO_URL as string).replace(/\/\/[^@/]*@/, '//…@');
    throw new Error(`MONGO_URL (${shown}): could not connect (servers are waited for MONGO_TIMEOUT_MS, ${config.MONGO_TIMEOUT_MS} ms): ${(error as Error).message}`, { cause: error });
  }
}
