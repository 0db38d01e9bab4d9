import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FixedClock, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { holdWriteLock, type WriteLockHolder } from '@app/sqlite/testing/write-lock-holder';
import { DuplicateEventIdError, EventStoreBusyError, WrongExpectedRevisionError, type AppendResult } from '../event-store.port';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { EventStoreReadOnlyError, EventStoreWriterStoppedError, SqliteWriterThread } from './sqlite-writer-thread';

const directories: string[] = [];

function tempFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sqlite-events-'));
  directories.push(directory);
  return join(directory, 'events.sqlite');
}

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describeEventStoreContract('SqliteEventStore (temp file, synchronous NORMAL)', async () => {
  const store = new SqliteEventStore(tempFile());
  return { store, dispose: () => store.close() };
});

describeEventStoreContract('SqliteEventStore (temp file, synchronous FULL)', async () => {
  const store = new SqliteEventStore(tempFile(), { synchronous: 'FULL' });
  return { store, dispose: () => store.close() };
});

function event(type = 'NoteTaken', data: unknown = { text: 'hello' }): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    data,
    metadata: {
      customerId: 'c-1',
      schemaVersion: 1,
      occurredAt: '2024-01-01T00:00:00.000Z',
      actor: { type: 'service', id: 'spec' },
      source: 'spec',
      correlationId: randomUUID(),
      causationId: null,
    },
  };
}

describe('SqliteEventStore specifics', () => {
  let file: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    file = tempFile();
    store = new SqliteEventStore(file, { clock: new FixedClock(new Date('2025-02-03T04:05:06.789Z')) });
  });

  afterEach(async () => {
    await store.close();
  });

  it('starts empty: head position 0, empty log', async () => {
    expect(await store.headPosition()).toBe(0);
    expect(await store.readAll()).toEqual([]);
  });

  it('takes recordedAt from its clock', async () => {
    await store.append('note-1', [event()], { expectedRevision: 'no_stream' });
    expect((await store.readStream('note-1'))[0].recordedAt).toBe('2025-02-03T04:05:06.789Z');
  });

  it('keeps events, revisions and stream metadata across close and reopen', async () => {
    const first = await store.append('customer-1', [event(), event()], { expectedRevision: 'no_stream' });
    await store.setStreamMetadata('customer-1', { custom: { forgotten: true } });
    const before = await store.readAll();
    await store.close();

    store = new SqliteEventStore(file);
    expect(await store.readAll()).toEqual(before);
    expect(await store.headPosition()).toBe(first.position);
    expect(await store.getStreamMetadata('customer-1')).toEqual({ custom: { forgotten: true } });
    const next = await store.append('customer-1', [event()], { expectedRevision: 1 });
    expect(next.nextExpectedRevision).toBe(2);
    expect(next.position).toBeGreaterThan(first.position);
  });

  it('uses WAL and the configured synchronous level', async () => {
    await store.close();
    store = new SqliteEventStore(file, { synchronous: 'FULL' });
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    // Observable only from inside the connection; what matters is that FULL opens and writes.
    await expect(store.append('note-2', [event()], { expectedRevision: 'no_stream' })).resolves.toMatchObject({ nextExpectedRevision: 0 });
  });

  describe('group commit', () => {
    it('commits many concurrent appends to different streams in shared transactions, all durable', async () => {
      await store.close();
      // A clock that moves on every reading: one recordedAt for all appends proves they shared one flush.
      const clock = new FixedClock(new Date('2025-01-01T00:00:00.000Z'));
      store = new SqliteEventStore(file, { clock: { now: () => (clock.advance(1), clock.now()) } });
      const appends = Array.from({ length: 300 }, (_, index) =>
        store.append(`order-${index}`, [event('PurchaseCompleted', { index }), event('PurchaseRefunded', { index })], {
          expectedRevision: 'no_stream',
        }),
      );
      const results = await Promise.all(appends);
      expect(results.every((result) => result.nextExpectedRevision === 1)).toBe(true);
      expect(new Set(results.map((result) => result.position)).size).toBe(300);

      const log = await store.readAll();
      expect(log).toHaveLength(600);
      expect(new Set(log.map((recorded) => recorded.recordedAt)).size).toBe(1);
      await store.append('order-late', [event()], { expectedRevision: 'no_stream' });
      expect((await store.readStream('order-late'))[0].recordedAt).not.toBe(log[0].recordedAt);
      await store.close();

      store = new SqliteEventStore(file);
      const reopened = await store.readAll();
      expect(reopened.slice(0, 600)).toEqual(log);
      expect(reopened).toHaveLength(601);
      for (const [index, result] of results.entries()) {
        const stream = await store.readStream(`order-${index}`);
        expect(stream.map((recorded) => recorded.data)).toEqual([{ index }, { index }]);
        expect(stream[1].position).toBe(result.position);
      }
    });

    it('fails a conflicting append alone; the rest of its group commits', async () => {
      await store.append('ticket-1', [event()], { expectedRevision: 'no_stream' });
      const outcomes = await Promise.allSettled([
        store.append('ticket-2', [event()], { expectedRevision: 'no_stream' }),
        store.append('ticket-1', [event()], { expectedRevision: 'no_stream' }), // conflicts
        store.append('ticket-3', [event(), event()], { expectedRevision: 'any' }),
        store.append('ticket-1', [event()], { expectedRevision: 0 }),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const refusal = (outcomes[1] as PromiseRejectedResult).reason as unknown;
      expect(refusal).toBeInstanceOf(WrongExpectedRevisionError);
      expect((refusal as WrongExpectedRevisionError).actual).toBe(0);

      expect(await store.readStream('ticket-1')).toHaveLength(2);
      expect(await store.readStream('ticket-2')).toHaveLength(1);
      expect(await store.readStream('ticket-3')).toHaveLength(2);
      expect(await store.readAll()).toHaveLength(5);
      // The log chain runs on past the refused write, without a gap.
      expect((await store.readAll()).map((recorded) => recorded.position)).toEqual([1, 2, 3, 4, 5]);
      expect(await store.verifyLog()).toMatchObject({ ok: true, events: 5 });
    });

    it('continues both hash chains across the groups it commits, whatever their mix of writes', async () => {
      // Several groups (each awaited before the next is queued), each a mix of single appends,
      // appendMany calls and stream metadata, with refusals in the middle.
      for (let group = 0; group < 4; group++) {
        await Promise.allSettled([
          store.append(`call-${group}`, [event()], { expectedRevision: 'no_stream' }),
          store.appendMany([
            { streamId: `note-${group}`, events: [event(), event()], expectedRevision: 'no_stream' },
            { streamId: 'order-1', events: [event()], expectedRevision: group === 0 ? 'no_stream' : group - 1 },
          ]),
          store.append(`call-${group}`, [event()], { expectedRevision: 'no_stream' }), // refused: the first one wrote it
          store.setStreamMetadata(`call-${group}`, { custom: { group } }),
          store.append('order-1', [event()], { expectedRevision: 'any' }),
        ]);
      }
      const log = await store.readAll();
      expect(log.map((recorded) => recorded.position)).toEqual(log.map((_, index) => index + 1));
      expect(await store.verifyLog()).toMatchObject({ ok: true, events: log.length });
    });

    it('sees earlier appends of the same group: two appends to one stream in one tick', async () => {
      const [first, second] = await Promise.all([
        store.append('chat-1', [event()], { expectedRevision: 'no_stream' }),
        store.append('chat-1', [event()], { expectedRevision: 0 }),
      ]);
      expect(first.nextExpectedRevision).toBe(0);
      expect(second.nextExpectedRevision).toBe(1);
      expect(second.position).toBeGreaterThan(first.position);
    });

    it('treats a retry inside the same group as idempotent', async () => {
      const batch = [event(), event()];
      const [first, retry] = await Promise.all([
        store.append('call-1', batch, { expectedRevision: 'no_stream' }),
        store.append('call-1', batch, { expectedRevision: 'no_stream' }),
      ]);
      expect(retry).toEqual({ ...first, deduplicated: true });
      expect(await store.readAll()).toHaveLength(2);
    });
    it('fails a write that meets a storage error alone; the rest of its group commits, the chains unbroken', async () => {
      // A write failing for a reason other than a refusal (here a trigger standing in for a storage
      // error) is not one a single-event append can leave half done, but the group's first try has no
      // savepoint around it: the group is tried again with one around every write.
      const db = new Database(file);
      db.exec("CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.stream_id LIKE 'poison-%' BEGIN SELECT RAISE(ABORT, 'poisoned write'); END");
      db.close();
      const outcomes = await Promise.allSettled([
        store.append('call-1', [event()], { expectedRevision: 'no_stream' }),
        store.append('poison-1', [event()], { expectedRevision: 'no_stream' }),
        store.setStreamMetadata('call-1', { custom: { kept: true } }),
        store.append('call-2', [event(), event()], { expectedRevision: 'no_stream' }),
        store.append('poison-2', [event(), event()], { expectedRevision: 'any' }),
        store.append('call-1', [event()], { expectedRevision: 0 }),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('poisoned write');
      expect(await store.readStream('call-1')).toHaveLength(2);
      expect(await store.readStream('call-2')).toHaveLength(2);
      expect(await store.readStream('poison-1')).toHaveLength(0);
      expect(await store.getStreamMetadata('call-1')).toEqual({ custom: { kept: true } });
      expect((await store.readAll()).map((recorded) => recorded.position)).toEqual([1, 2, 3, 4]);
      expect(await store.verifyLog()).toMatchObject({ ok: true, events: 4 });
    });
  });

  it('takes over a file that kept a copy of each stream\'s revision in streams.last_revision: metadata kept, revisions from the log', async () => {
    await store.close();
    const old = tempFile();
    const db = new Database(old);
    db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
      type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream_id, revision));
      CREATE TABLE streams (stream_id TEXT PRIMARY KEY, last_revision INTEGER, metadata TEXT, metadata_revision INTEGER);`);
    const insert = db.prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const [streamId, count] of [['note-1', 3], ['note-2', 1]] as const) {
      for (let revision = 0; revision < count; revision++) {
        const written = event();
        insert.run(written.eventId, streamId, revision, written.type, JSON.stringify(written.data), JSON.stringify(written.metadata), '2025-01-01T00:00:00.000Z');
      }
    }
    db.prepare("INSERT INTO streams VALUES ('note-1', 2, '{\"custom\":{\"owner\":\"ops\"}}', 0), ('note-2', 0, NULL, NULL)").run();
    db.close();

    store = new SqliteEventStore(old);
    await expect(store.append('note-1', [event()], { expectedRevision: 2 })).resolves.toMatchObject({ nextExpectedRevision: 3 });
    await expect(store.append('note-2', [event()], { expectedRevision: 1 })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(store.append('note-2', [event()], { expectedRevision: 0 })).resolves.toMatchObject({ nextExpectedRevision: 1 });
    expect(await store.getStreamMetadata('note-1')).toEqual({ custom: { owner: 'ops' } });
    await expect(store.compareAndSetStreamMetadata('note-1', { custom: { owner: 'audit' } }, 0)).resolves.toBe(true);
    expect(await store.verifyLog()).toMatchObject({ ok: true, events: 6 });
    await store.close();

    const after = new Database(old, { readonly: true });
    try {
      expect((after.prepare('PRAGMA table_info(streams)').all() as { name: string }[]).map((column) => column.name)).not.toContain('last_revision');
      expect(after.prepare('SELECT stream_id FROM streams').pluck().all()).toEqual(['note-1']);
    } finally {
      after.close();
    }
    store = new SqliteEventStore(tempFile());
  });

  describe('event id uniqueness', () => {
    let original: NewEvent[];
    let result: AppendResult;

    beforeEach(async () => {
      original = [event(), event(), event()];
      result = await store.append('email-1', original, { expectedRevision: 'no_stream' });
    });

    it('returns the original result for a retry of a prefix of the original batch', async () => {
      const retried = await store.append('email-1', original.slice(0, 2), { expectedRevision: 'no_stream' });
      expect(retried).toEqual({ nextExpectedRevision: 1, position: (await store.readStream('email-1'))[1].position, deduplicated: true });
      expect(result.nextExpectedRevision).toBe(2);
    });

    it('refuses the same ids in another stream', async () => {
      await expect(store.append('email-2', original, { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(DuplicateEventIdError);
      expect(await store.readStream('email-2')).toEqual([]);
    });

    it('refuses a partial overlap: a known first id followed by new ones', async () => {
      const overlap = [original[0], event()];
      await expect(store.append('email-1', overlap, { expectedRevision: 'any' })).rejects.toBeInstanceOf(DuplicateEventIdError);
      expect(await store.readStream('email-1')).toHaveLength(3);
    });

    it('refuses a known id later in a batch and writes none of it', async () => {
      const fresh = event();
      const error: unknown = await store.append('email-1', [fresh, original[1]], { expectedRevision: 2 }).catch((refusal: unknown) => refusal);
      expect(error).toBeInstanceOf(DuplicateEventIdError);
      expect((error as DuplicateEventIdError).eventId).toBe(original[1].eventId);
      expect(await store.readStream('email-1')).toHaveLength(3);
    });

    it('refuses a retry with an expected revision the original append did not have', async () => {
      await store.append('email-1', [event()], { expectedRevision: 2 });
      const error: unknown = await store.append('email-1', original, { expectedRevision: 3 }).catch((refusal: unknown) => refusal);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((error as WrongExpectedRevisionError).actual).toBe(3);
      expect(await store.append('email-1', original, { expectedRevision: 'no_stream' })).toEqual({ ...result, deduplicated: true });
    });

    it('refuses ids in a different order', async () => {
      await expect(store.append('email-1', [original[1], original[0]], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
        DuplicateEventIdError,
      );
    });
  });

  /** A subscription of `on` from the start: what it has seen, and a wait for its n-th event. */
  function follow(on: SqliteEventStore) {
    const seen: RecordedEvent[] = [];
    const waiting: { n: number; resolve: () => void }[] = [];
    const subscription = on.subscribeToAll({ from: 'start' }, async (batch) => {
      seen.push(...batch);
      for (const wait of waiting.filter((w) => seen.length >= w.n)) wait.resolve();
    });
    const until = (n: number) => (seen.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve })));
    return { seen, until, subscription };
  }

  /** What a subscription of `reader` from the start sees while `write` runs, once it has seen `count` events. */
  async function followWhile(reader: SqliteEventStore, count: number, write: () => Promise<unknown>): Promise<RecordedEvent[]> {
    const following = follow(reader);
    await write();
    await following.until(count);
    await following.subscription.close();
    return following.seen;
  }

  it('lets a subscription on one connection see events written by another connection to the same file', async () => {
    const reader = new SqliteEventStore(file, { pollIntervalMs: 20 });
    try {
      const seen = await followWhile(reader, 3, () => store.append('survey-1', [event(), event(), event()], { expectedRevision: 'no_stream' }));
      expect(seen.map((recorded) => recorded.revision)).toEqual([0, 1, 2]);
    } finally {
      await reader.close();
    }
  });

  // Stores on one file in one process (the HTTP thread's and the projector thread's) hear of each
  // other's commits at once, not at their next poll: the writer thread announces every committed
  // group on the file's BroadcastChannel. Poll intervals of an hour: only the announcement can
  // bring these events within the test's time.
  it("hears at once of another store's commits in this process, and of its own", async () => {
    const hour = 3_600_000;
    const writer = new SqliteEventStore(file, { pollIntervalMs: hour });
    const reader = new SqliteEventStore(file, { pollIntervalMs: hour });
    try {
      await writer.append('survey-0', [event()], { expectedRevision: 'no_stream' });
      const theirs = follow(reader);
      const own = follow(writer);
      // Both have read what was there and wait for news: the next events can only come from an announcement.
      await theirs.until(1);
      await own.until(1);
      await writer.append('survey-1', [event(), event()], { expectedRevision: 'no_stream' });
      await theirs.until(3);
      await own.until(3);
      expect(theirs.seen.map((recorded) => recorded.streamId)).toEqual(['survey-0', 'survey-1', 'survey-1']);
      expect(own.seen.map((recorded) => recorded.streamId)).toEqual(['survey-0', 'survey-1', 'survey-1']);
      await theirs.subscription.close();
      await own.subscription.close();
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it("hears within its commit watch of a commit no announcement tells of (another process's), without waiting for its poll", async () => {
    // A connection of its own, as another process has: its commit reaches no BroadcastChannel of
    // this process. Polls of an hour: only the commit watch can bring the event within the test's time.
    const hour = 3_600_000;
    const reader = new SqliteEventStore(file, { pollIntervalMs: hour, commitWatchMs: 5 });
    const other = new Database(file);
    try {
      // A subscription to one type: an event of another type moves it on (onPassed) right before it
      // parks to wait for news, so the insert below lands while it waits, not before its next read.
      const seen: RecordedEvent[] = [];
      let delivered!: () => void;
      const arrived = new Promise<void>((resolve) => (delivered = resolve));
      let parked!: () => void;
      const waiting = new Promise<void>((resolve) => (parked = resolve));
      const subscription = reader.subscribeToAll({ from: 'start', types: ['SurveyAnswered'], onPassed: (position) => position >= 1 && parked() }, async (batch) => {
        seen.push(...batch);
        delivered();
      });
      await store.append('note-0', [event('NoteTaken')], { expectedRevision: 'no_stream' });
      await waiting;
      const written = event('SurveyAnswered', { score: 9 });
      other
        .prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, 0, ?, ?, ?, ?)')
        .run(written.eventId, 'survey-1', written.type, JSON.stringify(written.data), JSON.stringify(written.metadata), '2025-02-03T04:05:06.789Z');
      await arrived;
      expect(seen.map((recorded) => recorded.eventId)).toEqual([written.eventId]);
      await subscription.close();
    } finally {
      other.close();
      await reader.close();
    }
  });

  it('opened to read only (as the projector thread opens it): reads and follows what another connection writes, starts no writer thread, refuses every write', async () => {
    let opened = 0;
    const thread = new (class extends SqliteWriterThread {
      override open(...args: Parameters<SqliteWriterThread['open']>) {
        opened += 1;
        return super.open(...args);
      }
    })();
    const reader = new SqliteEventStore(file, { pollIntervalMs: 20, readOnly: true, writerThread: thread });
    try {
      await followWhile(reader, 2, () => store.append('survey-1', [event(), event()], { expectedRevision: 'no_stream' }));
      expect((await reader.readStream('survey-1')).map((recorded) => recorded.revision)).toEqual([0, 1]);

      await expect(reader.append('survey-2', [event()], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(EventStoreReadOnlyError);
      await expect(reader.appendMany([{ streamId: 'survey-3', events: [event()], expectedRevision: 'no_stream' }])).rejects.toBeInstanceOf(EventStoreReadOnlyError);
      await expect(reader.setStreamMetadata('$checkpoint-x', { custom: { position: 1 } })).rejects.toBeInstanceOf(EventStoreReadOnlyError);
      await expect(reader.checkWritable()).rejects.toBeInstanceOf(EventStoreReadOnlyError);
      expect(opened).toBe(0);
      expect((await store.readAll()).map((recorded) => recorded.streamId)).toEqual(['survey-1', 'survey-1']);
    } finally {
      await reader.close();
    }
  });

  it('appendMany is one transaction: a failure that is no refusal rejects the call and writes none of its entries', async () => {
    // JSON.stringify throws on a BigInt: an append that fails inside the transaction, not a refusal.
    const unwritable = event('NoteTaken', { amount: 1n });
    const call = store.appendMany([
      { streamId: 'call-1', events: [event()], expectedRevision: 'no_stream' },
      { streamId: 'note-1', events: [event(), event()], expectedRevision: 'no_stream' },
      { streamId: 'note-2', events: [unwritable], expectedRevision: 'no_stream' },
    ]);
    const alongside = store.append('chat-1', [event()], { expectedRevision: 'no_stream' });

    await expect(call).rejects.toThrow(/BigInt/);
    // Its group commit went on for the other writes queued with it, and continued the log where it
    // ended before the rolled-back call (no gap, no link to an event that was never committed).
    await expect(alongside).resolves.toMatchObject({ nextExpectedRevision: 0, position: 1 });
    expect((await store.readAll()).map((recorded) => recorded.streamId)).toEqual(['chat-1']);
    expect(await store.verifyLog()).toMatchObject({ ok: true, events: 1 });
  });

  it('appendMany continues both hash chains entry after entry, past refused and rolled back entries', async () => {
    const existing = event();
    await store.append('order-1', [existing], { expectedRevision: 'no_stream' });
    const outcomes = await store.appendMany([
      { streamId: 'call-1', events: [event()], expectedRevision: 'no_stream' },
      { streamId: 'order-1', events: [event(), event()], expectedRevision: 0 },
      { streamId: 'order-1', events: [event()], expectedRevision: 'no_stream' },
      // The second event reuses an id of order-1: refused after its first insert, which is undone.
      { streamId: 'note-1', events: [event(), { ...existing, data: { other: true } }], expectedRevision: 'no_stream' },
      { streamId: 'call-2', events: [event(), event()], expectedRevision: 'no_stream' },
    ]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, false, false, true]);
    const verification = await store.verifyLog();
    expect(verification).toMatchObject({ ok: true, events: 6 });
    expect((await store.readAll()).map((recorded) => recorded.position)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('readStreams answers each stream asked for, its events in revision order, a missing one empty', async () => {
    await store.appendMany([
      { streamId: 'order-2', events: [event('A'), event('B')], expectedRevision: 'no_stream' },
      { streamId: 'order-1', events: [event('C')], expectedRevision: 'no_stream' },
      { streamId: 'order-2', events: [event('D')], expectedRevision: 1 },
    ]);
    const read = await store.readStreams(['order-1', 'order-2', 'order-3']);
    expect([...read].map(([stream, events]) => [stream, events.map((e) => `${e.revision}:${e.type}`)])).toEqual([
      ['order-1', ['0:C']],
      ['order-2', ['0:A', '1:B', '2:D']],
      ['order-3', []],
    ]);
  });

  it('closing the store ends its subscriptions and refuses new appends', async () => {
    const subscription = store.subscribeToAll({ from: 'start' }, async () => undefined);
    await store.close();
    await expect(subscription.done).resolves.toBeUndefined();
    await expect(store.append('note-9', [event()], { expectedRevision: 'any' })).rejects.toThrow('closed');
  });
});

describe('SqliteEventStore while another process holds the write lock', () => {
  let file: string;
  let store: SqliteEventStore | undefined;
  let holder: WriteLockHolder | undefined;

  beforeEach(() => {
    file = tempFile();
  });

  afterEach(async () => {
    holder?.kill();
    holder = undefined;
    await store?.close();
    store = undefined;
  });

  /** Watches a promise without changing it. */
  function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    return { promise, settled: () => settled };
  }

  // Readiness asks checkWritable. It failed at once (database is locked) whenever another connection
  // was committing, so readiness flapped down while the writer thread committed: a lock held for less
  // than a write's budget is not a store that is down.
  it('reports itself writable once a lock held for less than the budget is released, and busy only after the budget', async () => {
    store = new SqliteEventStore(file, { writeLockBudgetMs: 60_000 });
    await store.append('note-before', [event()], { expectedRevision: 'no_stream' });
    holder = await holdWriteLock(file);
    const probe = track(store.checkWritable());
    await holder.ping();
    expect(probe.settled()).toBe(false);
    await holder.commit();
    await expect(probe.promise).resolves.toBeUndefined();
    await store.close();

    store = new SqliteEventStore(file, { writeLockBudgetMs: 30 });
    holder = await holdWriteLock(file);
    const refused: unknown = await store.checkWritable().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EventStoreBusyError);
    expect((refused as Error).message).toContain(file);
  });

  it('waits without blocking the event loop, keeps queued writes in order, and commits them once the lock is released', async () => {
    store = new SqliteEventStore(file, { writeLockBudgetMs: 60_000 });
    await store.append('note-before', [event()], { expectedRevision: 'no_stream' });
    holder = await holdWriteLock(file);

    const first = track(store.append('chat-1', [event()], { expectedRevision: 'no_stream' }));
    const second = track(store.append('chat-1', [event()], { expectedRevision: 0 }));
    const checkpoint = track(store.setStreamMetadata('$checkpoint-x', { custom: { position: 7 } }));
    // Round trips through the other process need this process's event loop: with a synchronous
    // wait for the lock they would only complete after the appends had settled.
    await holder.ping();
    await new Promise((resolve) => setImmediate(resolve)); // one more turn of the event loop, not a wait for time
    await holder.ping();
    expect([first.settled(), second.settled(), checkpoint.settled()]).toEqual([false, false, false]);
    // Reads go on meanwhile and see nothing uncommitted.
    expect((await store.readAll()).map((recorded) => recorded.streamId)).toEqual(['note-before']);

    const third = track(store.append('chat-1', [event()], { expectedRevision: 1 }));
    await holder.commit();
    const results = await Promise.all([first.promise, second.promise, third.promise]);
    await checkpoint.promise;
    expect(results.map((result) => result.nextExpectedRevision)).toEqual([0, 1, 2]);
    expect(results[1].position).toBeGreaterThan(results[0].position);
    expect(results[2].position).toBeGreaterThan(results[1].position);
    expect((await store.readStream('chat-1')).map((recorded) => recorded.revision)).toEqual([0, 1, 2]);
    expect(await store.getStreamMetadata('$checkpoint-x')).toEqual({ custom: { position: 7 } });
  });

  it('refuses a write whose wait reaches the budget, with a clear error, and writes nothing of it', async () => {
    store = new SqliteEventStore(file, { writeLockBudgetMs: 30 });
    holder = await holdWriteLock(file);

    const refused: unknown = await store.append('call-1', [event()], { expectedRevision: 'no_stream' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EventStoreBusyError);
    expect((refused as EventStoreBusyError).message).toContain(file);
    expect((refused as EventStoreBusyError).message).toContain('nothing was written');
    expect((refused as EventStoreBusyError).waitedMs).toBeGreaterThanOrEqual(30);
    await expect(store.setStreamMetadata('$checkpoint-y', { custom: { position: 1 } })).rejects.toBeInstanceOf(EventStoreBusyError);

    await holder.commit();
    expect(await store.readAll()).toEqual([]);
    // The same append, sent again once the other process is done, is taken.
    await expect(store.append('call-1', [event()], { expectedRevision: 'no_stream' })).resolves.toMatchObject({ nextExpectedRevision: 0 });
  });

  it('close() writes what is queued once the lock is released', async () => {
    store = new SqliteEventStore(file, { writeLockBudgetMs: 60_000 });
    holder = await holdWriteLock(file);
    const queued = store.append('email-1', [event()], { expectedRevision: 'no_stream' });
    const closing = track(store.close());
    await holder.ping();
    expect(closing.settled()).toBe(false);
    await holder.commit();
    await closing.promise;
    await expect(queued).resolves.toMatchObject({ nextExpectedRevision: 0 });
    store = new SqliteEventStore(file);
    expect(await store.readStream('email-1')).toHaveLength(1);
  });
});

describe('SqliteEventStore writer thread', () => {
  it('commits off the event loop: the loop keeps turning while a large group is written', async () => {
    const store = new SqliteEventStore(tempFile());
    try {
      // 5,000 events in one group: inserts, JSON and two SHA-256 chains per event. Committed on the
      // event loop, no turn of it would run between the group's start and its answer.
      const appends = Array.from({ length: 5_000 }, (_, i) => ({ streamId: `call-${i}`, events: [event()], expectedRevision: 'no_stream' as const }));
      // Counts turns of the event loop until the answer: a callback queued with setImmediate runs only between turns.
      let answered = false;
      let turns = 0;
      const tick = (): void => {
        turns += 1;
        if (!answered) setImmediate(tick);
      };
      setImmediate(tick);
      const outcomes = await store.appendMany(appends);
      answered = true;
      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      expect(turns).toBeGreaterThan(20);
      expect(await store.headPosition()).toBe(5_000);
    } finally {
      await store.close();
    }
  });
});

describe('SqliteEventStore when its writer thread stops', () => {
  it('fails the write in flight and every later write with a clear error, reports it to readiness, and still reads and closes', async () => {
    const file = tempFile();
    const thread = new SqliteWriterThread();
    const store = new SqliteEventStore(file, { writerThread: thread });
    try {
      await store.append('call-1', [event()], { expectedRevision: 'no_stream' });
      await store.checkWritable();

      const inFlight = store.append('call-2', [event()], { expectedRevision: 'no_stream' }).catch((error: unknown) => error);
      await thread.terminate();
      const failure = await inFlight;
      expect(failure).toBeInstanceOf(EventStoreWriterStoppedError);
      expect((failure as Error).message).toContain(file);

      await expect(store.append('call-3', [event()], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(EventStoreWriterStoppedError);
      await expect(store.appendMany([{ streamId: 'call-4', events: [event()], expectedRevision: 'no_stream' }])).rejects.toBeInstanceOf(EventStoreWriterStoppedError);
      await expect(store.setStreamMetadata('$checkpoint-x', { custom: { position: 1 } })).rejects.toBeInstanceOf(EventStoreWriterStoppedError);
      await expect(store.compareAndSetStreamMetadata('$lease-x', { custom: {} }, null)).rejects.toBeInstanceOf(EventStoreWriterStoppedError);
      // Readiness asks checkWritable: the store is reported down rather than hanging its callers.
      await expect(store.checkWritable()).rejects.toBeInstanceOf(EventStoreWriterStoppedError);

      expect((await store.readAll()).map((e) => e.streamId)).toEqual(['call-1']);
    } finally {
      await store.close();
    }
    // A store opened afterwards gets a new thread.
    const reopened = new SqliteEventStore(file, { writerThread: thread });
    try {
      await expect(reopened.append('call-2', [event()], { expectedRevision: 'no_stream' })).resolves.toMatchObject({ nextExpectedRevision: 0 });
    } finally {
      await reopened.close();
    }
  });
});
