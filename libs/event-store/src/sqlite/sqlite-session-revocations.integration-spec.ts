import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionRevocations } from '../session-revocations.port';
import { describeSessionRevocationsContract } from '../testing/session-revocations.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { SqliteSessionRevocations } from './sqlite-session-revocations';

const directories: string[] = [];

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

// Every connection is its own SQLite connection to the event store's file, as separate processes have.
describeSessionRevocationsContract('SqliteSessionRevocations (in the event store file)', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sqlite-sessions-'));
  directories.push(directory);
  const file = join(directory, 'events.sqlite');
  const events = new SqliteEventStore(file);
  const opened: SessionRevocations[] = [];
  return {
    events,
    open: () => {
      const revocations = new SqliteSessionRevocations(file);
      opened.push(revocations);
      return revocations;
    },
    dispose: async () => {
      await Promise.all(opened.map((revocations) => revocations.close()));
      await events.close();
    },
  };
});
