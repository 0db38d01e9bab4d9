// Tamper evidence on a real SQLite file: a history is written through the store, the store is
// closed, the file is edited behind its back with plain SQL (as someone with access to the disk
// could), and verifyLog must name the first broken link: stream, revision and position.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FixedClock, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { SqliteEventStore } from './sqlite-event-store';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function tempFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-tamper-'));
  directories.push(directory);
  return join(directory, 'events.sqlite');
}

function event(customerId: string, type: string, data: Record<string, unknown>): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    data,
    metadata: {
      customerId, schemaVersion: 1, occurredAt: '2026-03-01T10:00:00.000Z', actor: { type: 'service', id: 'key-1', name: 'shop', role: 'ingest' },
      source: 'shop', correlationId: randomUUID(), causationId: null,
    },
  };
}

/** Three customers, a dozen streams, 40 events; returns the file and the events as written. */
async function writeHistory(): Promise<{ file: string; events: RecordedEvent[] }> {
  const file = tempFile();
  const store = new SqliteEventStore(file);
  try {
    for (let c = 0; c < 3; c++) {
      const customerId = `c-${c}`;
      await store.append(`customer-${customerId}`, [event(customerId, 'CustomerRegistered', { customerId, profile: { firstName: `F${c}` } })], { expectedRevision: 'no_stream' });
      for (let n = 0; n < 3; n++) {
        await store.append(`order-${c}-${n}`, [event(customerId, 'PurchaseCompleted', { customerId, orderId: `${c}-${n}`, totalMinor: 1000 + n })], { expectedRevision: 'no_stream' });
      }
      await store.append(`ticket-${c}`, [1, 2, 3].map((i) => event(customerId, 'TicketReplied', { customerId, ticketId: `${c}`, body: `reply ${i}` })), { expectedRevision: 'no_stream' });
      for (let n = 0; n < 6; n++) await store.append(`ticket-${c}`, [event(customerId, 'TicketReplied', { customerId, ticketId: `${c}`, body: `later ${n}` })], { expectedRevision: 2 + n });
    }
    return { file, events: await store.readAll() };
  } finally {
    await store.close();
  }
}

/** Edits the file with plain SQL, as nobody but an intruder would. */
function tamper(file: string, edit: (db: Database.Database) => void): void {
  const db = new Database(file);
  try {
    edit(db);
  } finally {
    db.close();
  }
}

async function verify(file: string) {
  const store = new SqliteEventStore(file);
  try {
    return await store.verifyLog();
  } finally {
    await store.close();
  }
}

const at = (event: RecordedEvent) => ({ streamId: event.streamId, revision: event.revision, position: event.position });

describe('SqliteEventStore tamper evidence (real files edited behind the store)', () => {
  it('an untouched log verifies and names its head: the newest position and its chain hash', async () => {
    const { file, events } = await writeHistory();
    const result = await verify(file);
    expect(result).toEqual({ ok: true, events: events.length, head: { position: events[events.length - 1].position, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }, unsealed: 0 });
    // The same file gives the same head: it can be written down and compared later.
    expect((await verify(file)).head).toEqual(result.head);
  });

  it('finds one changed byte in one event\'s data', async () => {
    const { file, events } = await writeHistory();
    const target = events.find((e) => e.type === 'PurchaseCompleted' && (e.data as { totalMinor: number }).totalMinor === 1001) as RecordedEvent;
    tamper(file, (db) => {
      const data = db.prepare('SELECT data FROM events WHERE position = ?').pluck().get(target.position) as string;
      const changed = data.replace('"totalMinor":1001', '"totalMinor":9001');
      expect(changed.length).toBe(data.length);
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(changed, target.position);
    });
    expect((await verify(file)).broken).toEqual({ ...at(target), reason: expect.stringContaining('does not match its hash') });
  });

  it('finds a change of the recorded actor in the metadata', async () => {
    const { file, events } = await writeHistory();
    const target = events[17];
    tamper(file, (db) => {
      db.prepare("UPDATE events SET metadata = replace(metadata, '\"id\":\"key-1\"', '\"id\":\"key-2\"') WHERE position = ?").run(target.position);
    });
    expect((await verify(file)).broken).toEqual({ ...at(target), reason: expect.stringContaining('does not match its hash') });
  });

  it('finds one deleted event: the event after it no longer links to its predecessor', async () => {
    const { file, events } = await writeHistory();
    const deleted = events[10];
    tamper(file, (db) => db.prepare('DELETE FROM events WHERE position = ?').run(deleted.position));
    const result = await verify(file);
    expect(result.ok).toBe(false);
    expect(result.broken).toEqual({ ...at(events[11]), reason: expect.stringContaining(`positions ${deleted.position} are missing`) });
    expect(result.events).toBe(10);
  });

  it('finds a deleted event even when the positions after it are renumbered to close the gap', async () => {
    const { file, events } = await writeHistory();
    // An order: a stream of its own, so only the log chain knows it was there.
    const deleted = events[15];
    expect(deleted.streamId).toBe('order-1-1');
    tamper(file, (db) => {
      db.prepare('DELETE FROM events WHERE position = ?').run(deleted.position);
      // Shift every later row down by one, highest last, so the positions are contiguous again.
      const later = db.prepare('SELECT position FROM events WHERE position > ? ORDER BY position').pluck().all(deleted.position) as number[];
      for (const position of later) db.prepare('UPDATE events SET position = ? WHERE position = ?').run(position - 1, position);
      db.prepare("UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'events'").run();
    });
    const broken = (await verify(file)).broken;
    expect(broken).toEqual({ streamId: 'order-1-2', revision: 0, position: deleted.position, reason: expect.stringContaining('global chain') });
  });

  it('finds the newest event deleted (a truncated log)', async () => {
    const { file, events } = await writeHistory();
    const newest = events[events.length - 1];
    tamper(file, (db) => db.prepare('DELETE FROM events WHERE position = ?').run(newest.position));
    expect((await verify(file)).broken).toEqual({ streamId: null, revision: null, position: newest.position, reason: expect.stringContaining('newest events') });
  });

  it('finds a changed customer index entry, which would move an event to another customer\'s audit views', async () => {
    const { file, events } = await writeHistory();
    const target = events[8];
    tamper(file, (db) => db.prepare("UPDATE events SET customer_id = 'c-2' WHERE position = ?").run(target.position));
    expect((await verify(file)).broken).toEqual({ ...at(target), reason: expect.stringContaining('customer_id') });
  });

  it('finds two events whose contents were swapped', async () => {
    const { file, events } = await writeHistory();
    const [first, second] = [events[4], events[25]];
    tamper(file, (db) => {
      const read = db.prepare('SELECT type, data, metadata FROM events WHERE position = ?');
      const a = read.get(first.position) as { type: string; data: string; metadata: string };
      const b = read.get(second.position) as { type: string; data: string; metadata: string };
      const write = db.prepare('UPDATE events SET type = ?, data = ?, metadata = ? WHERE position = ?');
      write.run(b.type, b.data, b.metadata, first.position);
      write.run(a.type, a.data, a.metadata, second.position);
    });
    expect((await verify(file)).broken).toEqual({ ...at(first), reason: expect.stringContaining('does not match its hash') });
  });

  it('finds two whole events (hashes and all) reordered in the log', async () => {
    const { file, events } = await writeHistory();
    const [first, second] = [events[5], events[30]];
    tamper(file, (db) => {
      db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(first.position);
      db.prepare('UPDATE events SET position = ? WHERE position = ?').run(first.position, second.position);
      db.prepare('UPDATE events SET position = ? WHERE position = -1').run(second.position);
    });
    expect((await verify(file)).broken).toEqual({ streamId: second.streamId, revision: second.revision, position: first.position, reason: expect.stringContaining('global chain') });
  });

  it('finds an event moved to another place in its stream', async () => {
    const { file, events } = await writeHistory();
    const ticket = events.filter((e) => e.streamId === 'ticket-1');
    tamper(file, (db) => {
      db.prepare('UPDATE events SET revision = -1 WHERE position = ?').run(ticket[3].position);
      db.prepare('UPDATE events SET revision = 3 WHERE position = ?').run(ticket[4].position);
      db.prepare('UPDATE events SET revision = 4 WHERE position = ?').run(ticket[3].position);
    });
    expect((await verify(file)).broken).toEqual({ streamId: 'ticket-1', revision: 4, position: ticket[3].position, reason: expect.stringContaining('comes after it') });
  });

  it('a file written before tamper evidence is chained once when opened, and guarded from then on', async () => {
    const file = tempFile();
    tamper(file, (db) => {
      db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
        type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream_id, revision));
        CREATE TABLE streams (stream_id TEXT PRIMARY KEY, last_revision INTEGER, metadata TEXT);`);
      const insert = db.prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (let n = 0; n < 5; n++) {
        const written = event('c-old', 'NoteAdded', { customerId: 'c-old', text: `old ${n}` });
        insert.run(written.eventId, 'note-old', n, written.type, JSON.stringify(written.data), JSON.stringify(written.metadata), '2025-01-01T00:00:00.000Z');
      }
      db.prepare("INSERT INTO streams VALUES ('note-old', 4, NULL)").run();
    });
    const store = new SqliteEventStore(file);
    try {
      await store.append('note-old', [event('c-old', 'NoteAdded', { customerId: 'c-old', text: 'new' })], { expectedRevision: 4 });
      expect(await store.verifyLog()).toMatchObject({ ok: true, events: 6 });
      expect(await store.queryLog({ customerId: 'c-old' })).toHaveLength(6);
    } finally {
      await store.close();
    }
    tamper(file, (db) => db.prepare("UPDATE events SET data = replace(data, 'old 2', 'old 9') WHERE revision = 2").run());
    expect((await verify(file)).broken).toMatchObject({ streamId: 'note-old', revision: 2, position: 3 });
  });

  it('keeps recordedAt from going back along the log when the clock does, so a time range is a position range', async () => {
    const clock = new FixedClock(new Date('2026-03-01T12:00:00.000Z'));
    const store = new SqliteEventStore(tempFile(), { clock });
    try {
      await store.append('note-a', [event('c-1', 'NoteAdded', { text: 'a' })], { expectedRevision: 'no_stream' });
      clock.set(new Date('2026-03-01T11:00:00.000Z'));
      await store.append('note-b', [event('c-1', 'NoteAdded', { text: 'b' })], { expectedRevision: 'no_stream' });
      clock.set(new Date('2026-03-01T13:00:00.000Z'));
      await store.append('note-c', [event('c-1', 'NoteAdded', { text: 'c' })], { expectedRevision: 'no_stream' });
      const all = await store.readAll();
      expect(all.map((e) => e.recordedAt)).toEqual(['2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.000Z', '2026-03-01T13:00:00.000Z']);
      expect((await store.queryLog({ recordedFrom: '2026-03-01T12:30:00Z' })).map((e) => e.streamId)).toEqual(['note-c']);
      expect((await store.queryLog({ recordedBefore: '2026-03-01T12:00:00.001Z' })).map((e) => e.streamId)).toEqual(['note-a', 'note-b']);
      expect((await store.verifyLog()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('serves a customer\'s events from the by-customer index, not a scan of the log', async () => {
    const { file } = await writeHistory();
    tamper(file, (db) => {
      const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM events WHERE position > 0 AND position <= 99 AND customer_id = 'c-1' ORDER BY position LIMIT 10").all() as { detail: string }[];
      expect(plan.map((step) => step.detail).join('\n')).toContain('events_by_customer');
    });
  });
});
