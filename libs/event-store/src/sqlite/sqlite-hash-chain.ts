// Tamper evidence for the SQLite event store: two hash chains written inside the append transaction
// and a walk that checks them.
//
// - Stream chain: every event's `hash` is SHA-256 over the previous event of its stream's hash and
//   the event exactly as stored: event id, stream id, revision, type, the data and metadata JSON
//   texts as written to their columns, and recordedAt. Changing a byte of any of them, or moving an
//   event to another place in its stream, breaks it.
// - Log chain: every event's `log_hash` is SHA-256 over the previous event of the log's log_hash,
//   the event's position and its `hash`. Removing, inserting or reordering events anywhere in the
//   log breaks it; positions are also contiguous in this store (AUTOINCREMENT, never deleted), so a
//   gap is itself a break, and `sqlite_sequence` remembers the newest position ever written, so a
//   removed tail shows too.
// Each field enters the hash as `<length>:<text>`, so no two different events hash the same input.
// The chains cover events as stored: ciphertext where personal fields are encrypted, so a chain
// still verifies after a customer's key was destroyed.
//
// A chain only proves the log was not changed after the fact if its head is known from elsewhere:
// `verify log` prints the head position and hash for the operator to keep (and compare next time);
// someone able to rewrite the file AND recompute every later hash is caught only by that anchor.
import type Database from 'better-sqlite3';
import type { BrokenLink, LogVerification, VerifyLogOptions } from '../event-store.port';
import { CHAIN_START, chainDigest as digest } from '../hash-chain';

export { CHAIN_START };

export interface StoredEventText {
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  /** The data column's text. */
  readonly data: string;
  /** The metadata column's text. */
  readonly metadata: string;
  readonly recordedAt: string;
}

export function eventHash(previousInStream: string, event: StoredEventText): string {
  return digest([previousInStream, event.eventId, event.streamId, event.revision, event.type, event.data, event.metadata, event.recordedAt]);
}

export function logHash(previousInLog: string, position: number, hash: string): string {
  return digest([previousInLog, position, hash]);
}

// Row layout of the walk (raw arrays are markedly faster than objects over millions of rows).
const WALK_SQL = `
SELECT e.position, e.event_id, e.stream_id, e.revision, e.type, e.data, e.metadata, e.recorded_at, e.hash, e.log_hash, p.hash, p.position,
       e.customer_id IS json_extract(e.metadata, '$.customerId')
FROM events e LEFT JOIN events p ON p.stream_id = e.stream_id AND p.revision = e.revision - 1
ORDER BY e.position`;
type WalkRow = [number, string, string, number, string, string, string, string, string | null, string | null, string | null, number | null, number];

const PROGRESS_EVERY = 20_000;

/** Walks both chains over the whole file in log order; stops at the first broken link. */
export function verifySqliteLog(db: Database.Database, options: VerifyLogOptions = {}): LogVerification {
  const head = (db.prepare('SELECT MAX(position) AS head FROM events').get() as { head: number | null }).head ?? 0;
  const sequence = (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number } | undefined)?.seq ?? 0;
  let checked = 0;
  let previousPosition = 0;
  let previousLogHash = CHAIN_START;
  const broken = (link: BrokenLink): LogVerification => ({
    ok: false,
    events: checked,
    head: previousPosition > 0 ? { position: previousPosition, hash: previousLogHash } : null,
    broken: link,
    unsealed: 0,
  });

  for (const row of db.prepare(WALK_SQL).raw().iterate() as IterableIterator<WalkRow>) {
    const [position, eventId, streamId, revision, type, data, metadata, recordedAt, storedHash, storedLogHash, previousHash, previousInStreamAt, indexedRight] = row;
    const at = (reason: string): LogVerification => broken({ streamId, revision, position, reason });
    if (position !== previousPosition + 1) {
      return at(
        position <= previousPosition
          ? `position ${position} comes after ${previousPosition}`
          : `the events at positions ${previousPosition + 1}${position - 1 > previousPosition + 1 ? `–${position - 1}` : ''} are missing before it`,
      );
    }
    if (storedHash === null || storedLogHash === null) return at('it carries no hash');
    if (revision > 0) {
      if (previousHash === null || previousInStreamAt === null) return at(`revision ${revision - 1} of ${streamId} is missing`);
      if (previousInStreamAt > position) return at(`revision ${revision - 1} of ${streamId} comes after it in the log (position ${previousInStreamAt})`);
    }
    const recomputed = eventHash(previousHash ?? CHAIN_START, { eventId, streamId, revision, type, data, metadata, recordedAt });
    if (recomputed !== storedHash) return at('its stored content (id, stream, revision, type, data, metadata or recordedAt) does not match its hash');
    if (logHash(previousLogHash, position, storedHash) !== storedLogHash) {
      return at('the global chain does not link it to the event before it: an event before it was removed, replaced or reordered');
    }
    // The by-customer index is a copy of the metadata's customer id: a changed copy would hide the
    // event from its customer's audit views (or show it in another's).
    if (indexedRight !== 1) return at("its customer_id column does not match its metadata's customerId");
    checked += 1;
    previousPosition = position;
    previousLogHash = storedLogHash;
    if (options.onProgress && checked % PROGRESS_EVERY === 0) options.onProgress(checked, position, head);
  }
  if (sequence > previousPosition) {
    return broken({ streamId: null, revision: null, position: previousPosition + 1, reason: `the newest events (positions ${previousPosition + 1}–${sequence}) are missing` });
  }
  options.onProgress?.(checked, previousPosition, head);
  return { ok: true, events: checked, head: previousPosition > 0 ? { position: previousPosition, hash: previousLogHash } : null, unsealed: 0 };
}

/**
 * A file written before tamper evidence existed has events without hashes: chains them once, in
 * log order, inside one write transaction. Only a file with no hash at all is chained this way; an
 * event without a hash among chained ones is a broken link for verify to report, never repaired.
 * From then on the chains attest that nothing changed after this upgrade.
 */
export function chainUnchainedFile(db: Database.Database): number {
  const needsChaining = (): boolean =>
    db.prepare('SELECT 1 FROM events WHERE hash IS NOT NULL LIMIT 1').get() === undefined && db.prepare('SELECT 1 FROM events LIMIT 1').get() !== undefined;
  if (!needsChaining()) return 0;
  db.exec('BEGIN IMMEDIATE');
  try {
    // Another process may have chained it while this one waited for the lock.
    if (!needsChaining()) {
      db.exec('COMMIT');
      return 0;
    }
    const previousInStream = db.prepare('SELECT hash FROM events WHERE stream_id = ? AND revision = ?').pluck();
    const update = db.prepare('UPDATE events SET hash = ?, log_hash = ? WHERE position = ?');
    let previousLog = CHAIN_START;
    let count = 0;
    type Row = { position: number; event_id: string; stream_id: string; revision: number; type: string; data: string; metadata: string; recorded_at: string };
    const page = db.prepare('SELECT position, event_id, stream_id, revision, type, data, metadata, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT 10000');
    // In pages: better-sqlite3 cannot update while a query on the same connection is still open.
    for (let rows = page.all(0) as Row[]; rows.length > 0; rows = page.all(rows[rows.length - 1].position) as Row[]) {
      for (const row of rows) {
        const previous = row.revision === 0 ? CHAIN_START : ((previousInStream.get(row.stream_id, row.revision - 1) as string | null | undefined) ?? CHAIN_START);
        const hash = eventHash(previous, {
          eventId: row.event_id, streamId: row.stream_id, revision: row.revision, type: row.type, data: row.data, metadata: row.metadata, recordedAt: row.recorded_at,
        });
        previousLog = logHash(previousLog, row.position, hash);
        update.run(hash, previousLog, row.position);
        count += 1;
      }
    }
    db.exec('COMMIT');
    return count;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
