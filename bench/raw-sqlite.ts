// The physical limit to measure Chronicle against: raw better-sqlite3 inserts of ~400-byte events
// into a table shaped like the event store's, on this disk, in this run.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RawSqliteRates {
  /** Rows/s inserting in 1,000-row transactions. */
  readonly batched1000: number;
  /** Commits/s with one row per transaction. */
  readonly singleRowCommits: number;
}

const PAYLOAD = JSON.stringify({ customerId: 'c-000001', callId: 'pbx-000001', direction: 'inbound', durationSeconds: 312, outcome: 'resolved', summary: 'x'.repeat(180) });
const METADATA = JSON.stringify({ customerId: 'c-000001', schemaVersion: 1, occurredAt: new Date().toISOString(), actor: { type: 'service', id: 'bench' }, source: 'bench', correlationId: randomUUID(), causationId: null });

export function measureRawSqlite(synchronous: 'NORMAL' | 'FULL', seconds = 3): RawSqliteRates {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-raw-'));
  const db = new Database(join(dir, 'raw.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
      revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream_id, revision))`);
    const insert = db.prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, 0, ?, ?, ?, ?)');
    let n = 0;
    const row = () => insert.run(randomUUID(), `call-${n++}`, 'CallLogged', PAYLOAD, METADATA, new Date().toISOString());
    const batch = db.transaction((count: number) => {
      for (let i = 0; i < count; i++) row();
    });
    const rate = (work: () => number) => {
      const started = process.hrtime.bigint();
      let done = 0;
      while (Number(process.hrtime.bigint() - started) / 1e9 < seconds) done += work();
      return done / (Number(process.hrtime.bigint() - started) / 1e9);
    };
    const batched1000 = rate(() => (batch(1000), 1000));
    const singleRowCommits = rate(() => (batch(1), 1));
    return { batched1000, singleRowCommits };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RawScanRate {
  readonly rows: number;
  /** Rows/s reading the whole events table in position order and JSON.parse-ing data and metadata. */
  readonly rowsPerSecond: number;
}

/**
 * The floor under a catch-up: one ordered pass over an event store file's `events` table with
 * both JSON columns parsed, as the subscription reads it, and nothing else done with the rows.
 */
export function measureRawScan(file: string): RawScanRate {
  const db = new Database(file, { readonly: true });
  try {
    const started = process.hrtime.bigint();
    let rows = 0;
    for (const row of db.prepare('SELECT * FROM events ORDER BY position').iterate() as IterableIterator<{ data: string; metadata: string }>) {
      JSON.parse(row.data);
      JSON.parse(row.metadata);
      rows++;
    }
    return { rows, rowsPerSecond: rows / (Number(process.hrtime.bigint() - started) / 1e9) };
  } finally {
    db.close();
  }
}
