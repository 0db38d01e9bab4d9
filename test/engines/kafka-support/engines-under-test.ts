// The real adapters the Kafka suites run on: SQLite event store, SQLite and MongoDB read stores,
// and the projector runner every transport feeds.
import { MongoClient } from 'mongodb';
import type { EventStore } from '@app/event-store';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';
import type { Projection, ReadStore } from '@app/read-store';
import { MongoReadStore } from '@app/read-store/mongodb/mongo-read-store';
import { SqliteReadStore, type SqliteReadStoreWrites } from '@app/read-store/sqlite/sqlite-read-store';
import { ProjectorRunner } from '@app/transport/projector/projector-runner';

export async function openEventStore(path: string): Promise<EventStore> {
  // Appends happen in this process, which notifies subscriptions at once; polling only covers other processes.
  return new SqliteEventStore(path);
}

export async function openSqliteReadStore(path: string, writes: SqliteReadStoreWrites = 'inline'): Promise<ReadStore> {
  return new SqliteReadStore(path, { writes });
}

export async function openMongoReadStore(url: string, db: string): Promise<ReadStore> {
  return MongoReadStore.connect(url, db);
}

export async function dropMongoDatabase(url: string, db: string): Promise<void> {
  const client = new MongoClient(url);
  try {
    await client.connect();
    await client.db(db).dropDatabase();
  } finally {
    await client.close();
  }
}

export function newProjectorRunner(store: ReadStore, projections: readonly Projection[], name: string): ProjectorRunner {
  return new ProjectorRunner(store, projections, { name });
}
