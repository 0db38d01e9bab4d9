import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '@app/event-sourcing';
import type { IdempotencyKeys } from '../idempotency-keys.port';
import { describeIdempotencyKeysContract } from '../testing/idempotency-keys.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { SqliteIdempotencyKeys } from './sqlite-idempotency-keys';

const directories: string[] = [];

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

// Every connection is its own SQLite connection to the event store's file, as separate processes have.
describeIdempotencyKeysContract('SqliteIdempotencyKeys (in the event store file)', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sqlite-keys-'));
  directories.push(directory);
  const file = join(directory, 'events.sqlite');
  const events = new SqliteEventStore(file);
  const clock = new FixedClock(new Date('2026-03-01T00:00:00.000Z'));
  const opened: IdempotencyKeys[] = [];
  return {
    events,
    clock,
    open: () => {
      const keys = new SqliteIdempotencyKeys(file, { clock });
      opened.push(keys);
      return keys;
    },
    dispose: async () => {
      await Promise.all(opened.map((keys) => keys.close()));
      await events.close();
    },
  };
});
