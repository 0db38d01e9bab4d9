// Picks each port's adapter from the configuration: SQLite embedded, or EventStoreDB / Kafka / MongoDB.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventStoreDbEventStore, SqliteEventStore, type EventStore } from '@app/event-store';
import { MongoReadStore, SqliteReadStore, type ReadStore } from '@app/read-store';
import type { ChronicleConfig } from '@app/platform';

export function openEventStore(config: ChronicleConfig): EventStore {
  switch (config.EVENT_STORE) {
    case 'sqlite':
      mkdirSync(config.DATA_DIR, { recursive: true });
      return new SqliteEventStore(join(config.DATA_DIR, 'events.sqlite'), {
        synchronous: config.SQLITE_SYNCHRONOUS,
        writeLockBudgetMs: config.SQLITE_WRITE_LOCK_BUDGET_MS,
      });
    case 'eventstoredb':
      return new EventStoreDbEventStore(config.EVENTSTORE_URL as string);
  }
}

export async function openReadStore(config: ChronicleConfig): Promise<ReadStore> {
  switch (config.READ_STORE) {
    case 'sqlite':
      mkdirSync(config.DATA_DIR, { recursive: true });
      return new SqliteReadStore(join(config.DATA_DIR, 'read-models.sqlite'), { writeLockBudgetMs: config.SQLITE_WRITE_LOCK_BUDGET_MS });
    case 'mongodb':
      return MongoReadStore.connect(config.MONGO_URL as string, config.MONGO_DB);
  }
}
