// The auditor's command line, run as a real process (apps/cli) on real SQLite files:
// `verify log` finds one changed byte, one deleted event and two swapped events and exits 1 naming
// the first broken link; `verify projections` reports every difference between the live read models
// and a shadow rebuild and exits 1, and drops the shadow; `replay` runs a range through one
// projection into a file of its own; `rebuild --blue-green` is the documented spelling of rebuild.
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { activeGeneration, GenerationalReadStore, SqliteReadStore } from '@app/read-store';
import { listGenerations, rebuildReadModels } from '@app/composition';
import { TIMELINE_COLLECTION as TIMELINE_COLLECTION_NAME } from '@app/customer-view';
import { startProcess } from '../support/chronicle-process';

// Each CLI run starts a process through ts-node: independent runs go side by side.
jest.setTimeout(600_000);

function meta(customerId: string): NewEvent['metadata'] {
  return { customerId, schemaVersion: 1, occurredAt: '2026-03-01T10:00:00.000Z', actor: { type: 'service', id: 'k-1', name: 'shop', role: 'ingest' }, source: 'shop', correlationId: randomUUID(), causationId: null };
}

/** 20 customers with a registration, two purchases and a note each, through the store itself. */
async function writeLog(dataDir: string): Promise<RecordedEvent[]> {
  const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  try {
    for (let c = 0; c < 20; c++) {
      const customerId = `c-${c}`;
      await store.append(`customer-${customerId}`, [{ eventId: randomUUID(), type: 'CustomerRegistered', data: { customerId, profile: { firstName: `F${c}`, lastName: `L${c}`, email: `c${c}@example.com` } }, metadata: meta(customerId) }], { expectedRevision: 'no_stream' });
      for (let n = 0; n < 2; n++) {
        const orderId = `o-${c}-${n}`;
        await store.append(`order-${orderId}`, [{ eventId: randomUUID(), type: 'PurchaseCompleted', data: { customerId, orderId, channel: 'web', currency: 'EUR', totalMinor: 1500 + n, lines: [{ sku: 'S', name: 'Scarf', category: 'apparel', quantity: 1, unitPriceMinor: 1500 + n }] }, metadata: meta(customerId) }], { expectedRevision: 'no_stream' });
      }
      await store.append(`note-n-${c}`, [{ eventId: randomUUID(), type: 'NoteAdded', data: { customerId, noteId: `n-${c}`, text: `note ${c}`, authorId: 'agent-1' }, metadata: meta(customerId) }], { expectedRevision: 'no_stream' });
    }
    return await store.readAll();
  } finally {
    await store.close();
  }
}

async function cli(dataDir: string, ...args: string[]) {
  const run = startProcess('apps/cli/src/main.ts', args, { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const code = await run.exited;
  return { code, output: run.lines.join('\n') };
}

describe('chronicle CLI for auditors (real processes, real SQLite files)', () => {
  const directories: string[] = [];
  const tempDir = (): string => {
    const directory = mkdtempSync(join(tmpdir(), 'chronicle-audit-cli-'));
    directories.push(directory);
    return directory;
  };
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  it('verify log: exit 0 with the head on an untouched log; exit 1 naming stream, revision and position for a changed byte, a deleted event, a swapped pair', async () => {
    const dataDir = tempDir();
    const events = await writeLog(dataDir);
    const variant = (edit: (db: Database.Database) => void): string => {
      const copy = tempDir();
      copyFileSync(join(dataDir, 'events.sqlite'), join(copy, 'events.sqlite'));
      const db = new Database(join(copy, 'events.sqlite'));
      try {
        edit(db);
      } finally {
        db.close();
      }
      return copy;
    };
    const order = events.find((e) => e.streamId === 'order-o-7-1') as RecordedEvent;
    const changedByte = variant((db) => db.prepare("UPDATE events SET data = replace(data, '1501', '1901') WHERE position = ?").run(order.position));
    const deleted = events[30];
    const removed = variant((db) => db.prepare('DELETE FROM events WHERE position = ?').run(deleted.position));
    const [a, b] = [events[12], events[50]];
    const swapped = variant((db) => {
      const read = db.prepare('SELECT data, metadata FROM events WHERE position = ?');
      const left = read.get(a.position) as { data: string; metadata: string };
      const right = read.get(b.position) as { data: string; metadata: string };
      db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?').run(right.data, right.metadata, a.position);
      db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?').run(left.data, left.metadata, b.position);
    });
    const [clean, byte, deletion, swap] = await Promise.all([dataDir, changedByte, removed, swapped].map((dir) => cli(dir, 'verify', 'log')));

    expect(clean.code).toBe(0);
    expect(clean.output).toContain(`Log verified: ${events.length} events`);
    expect(clean.output).toMatch(new RegExp(`Head: position ${events[events.length - 1].position}, chain hash [0-9a-f]{64}`));
    expect(clean.output).toMatch(/verify log: position \d+ of \d+/);

    expect(byte.code).toBe(1);
    expect(byte.output).toContain(`BROKEN LINK at stream order-o-7-1, revision 0, position ${order.position}: its stored content`);

    expect(deletion.code).toBe(1);
    expect(deletion.output).toContain(`BROKEN LINK at stream ${events[31].streamId}, revision ${events[31].revision}, position ${events[31].position}: the events at positions ${deleted.position} are missing before it`);

    expect(swap.code).toBe(1);
    expect(swap.output).toContain(`BROKEN LINK at stream ${a.streamId}, revision ${a.revision}, position ${a.position}`);
  });

  // Found from outside: `verify log` on a mistyped DATA_DIR said "Log verified: 0 events" (exit 0)
  // and created an event store there; with DATA_DIR="" one in the working folder.
  it('refuses every command on existing stores when DATA_DIR holds no event store (exit 1 naming it), creating nothing', async () => {
    const missing = join(tempDir(), 'typo');
    const empty = tempDir();
    const commands = [['verify', 'log'], ['verify', 'projections'], ['rebuild', '--blue-green'], ['rebuild', 'status'], ['rebuild', 'drop'], ['replay', '--from', '1', '--to', '1', '--projection', 'customer-360'], ['data-keys', 'rewrap'], ['data-keys', 'reapply-erasures']];
    const runs = [...commands.map((args) => ({ args, dataDir: missing })), { args: ['verify', 'log'], dataDir: empty }];
    const answers = await Promise.all(runs.map(async ({ args, dataDir }) => ({ args, ...(await cli(dataDir, ...args)) })));
    expect(answers).toEqual(runs.map(({ args, dataDir }) => ({ args, code: 1, output: expect.stringContaining(`DATA_DIR=${JSON.stringify(dataDir)}: holds no event store`) })));
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(empty)).toEqual([]);
    const blank = await cli('', 'verify', 'log');
    expect(blank).toEqual({ code: 1, output: expect.stringContaining('DATA_DIR="": DATA_DIR must name a folder') });
  });

  it('verify projections: exit 0 when live equals a rebuild; every difference reported and exit 1 otherwise; the shadow is dropped', async () => {
    const dataDir = tempDir();
    await writeLog(dataDir);
    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    const physical = new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    try {
      await rebuildReadModels(events, new GenerationalReadStore(physical, 0), { currency: 'EUR' });
    } finally {
      await events.close();
      await physical.close();
    }
    const equal = await cli(dataDir, 'verify', 'projections');
    expect(equal.code).toBe(0);
    expect(equal.output).toMatch(/Read models verified: \d+ documents of generation 0 equal a rebuild from the log up to position 80\./);

    const live = new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    try {
      const doc = (await live.get('customer360', 'c-3')) as Record<string, unknown> & { id: string; lastPosition: number; profile: Record<string, unknown> };
      // Behind the projector's back: one field changed, one document gone, one that the log does not explain.
      await live.applyBatch([
        { kind: 'upsert', collection: 'customer360', doc: { ...doc, lastPosition: doc.lastPosition + 1, profile: { ...doc.profile, email: 'someone@else.example' } } },
        { kind: 'delete', collection: TIMELINE_COLLECTION_NAME, id: (await live.find(TIMELINE_COLLECTION_NAME, { customerId: 'c-5' }, { limit: 1 }))[0].id, position: 10_000 },
        { kind: 'upsert', collection: 'customer360', doc: { id: 'ghost', lastPosition: 1, customerId: 'ghost' } },
      ]);
    } finally {
      await live.close();
    }
    const different = await cli(dataDir, 'verify', 'projections');
    expect(different.code).toBe(1);
    expect(different.output).toContain('3 DIFFERENCES between the live read models (generation 0) and a rebuild from the log up to position 80');
    expect(different.output).toContain('customer360/c-3: differs');
    expect(different.output).toContain('  profile.email: live "someone@else.example" ≠ rebuilt "c3@example.com"');
    expect(different.output).toContain('customer360/ghost: only in live');
    expect(different.output).toMatch(/timeline\/\S+: only in rebuilt/);

    const after = new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    try {
      expect(await listGenerations(after)).toEqual([{ generation: 0, position: 80, active: true }]);
      expect(await activeGeneration(after)).toBe(0);
    } finally {
      await after.close();
    }
  });

  it('replay: the events of a position range through one projection into a file of its own; unknown names are refused with the list', async () => {
    const dataDir = tempDir();
    const events = await writeLog(dataDir);
    const target = join(dataDir, 'replay.sqlite');
    const run = await cli(dataDir, 'replay', '--from', '21', '--to', '40', '--projection', 'timeline', '--target', target);
    expect(run.code).toBe(0);
    expect(run.output).toContain(`Replayed 20 events (positions 21..40) through timeline`);
    const replayed = new SqliteReadStore(target);
    try {
      const rows = await replayed.find(TIMELINE_COLLECTION_NAME, {}, { sort: [{ field: 'position', direction: 'asc' }] });
      expect(rows.map((row) => row.id)).toEqual(events.filter((e) => e.position >= 21 && e.position <= 40).map((e) => e.eventId));
    } finally {
      await replayed.close();
    }
    const [existing, unknown] = await Promise.all([
      cli(dataDir, 'replay', '--from', '21', '--to', '40', '--projection', 'timeline', '--target', target),
      cli(dataDir, 'replay', '--from', '1', '--to', '2', '--projection', 'nonsense'),
    ]);
    expect(existing.code).toBe(1);
    expect(existing.output).toContain('exists; pass --replace');
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('Unknown projection nonsense; the projections are: customer-360');
  });

  it('replay: a --to beyond the head of the log is refused naming both, and no file is made for a range that was not replayed', async () => {
    const dataDir = tempDir();
    await writeLog(dataDir);
    for (const from of ['1', '81']) {
      const run = await cli(dataDir, 'replay', '--from', from, '--to', '99999', '--projection', 'tickets');
      expect({ code: run.code, output: run.output }).toEqual({ code: 1, output: expect.stringContaining('--to 99999 is beyond the head of the event log (position 80): give --to 80 or less') });
    }
    expect(existsSync(join(dataDir, 'replays', 'tickets-1-99999.sqlite'))).toBe(false);
    const atHead = await cli(dataDir, 'replay', '--from', '1', '--to', '80', '--projection', 'tickets');
    expect(atHead.code).toBe(0);
    expect(atHead.output).toContain(`Replayed 80 events (positions 1..80) through tickets`);
    expect(atHead.output).toContain(join(dataDir, 'replays', 'tickets-1-80.sqlite'));
  });

  it('rebuild --blue-green builds the next generation and switches it live', async () => {
    const dataDir = tempDir();
    await writeLog(dataDir);
    const run = await cli(dataDir, 'rebuild', '--blue-green');
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/Built generation 1 from 80 events \(up to position 80\).*it is live now/);
  });

  it('seed --anchor: an instant the API would refuse exits 1 naming the option and what it takes, no stack trace, nothing sent', async () => {
    const dataDir = tempDir();
    for (const anchor of ['2026-02-30', '2026-11-30T10:00:00', '+275760-09-14T00:00:00Z']) {
      // --url points nowhere: the option is refused before any request.
      const run = await cli(dataDir, 'seed', '--key', 'k', '--url', 'http://127.0.0.1:9', '--anchor', anchor);
      expect(run.code).toBe(1);
      expect(run.output).toContain(`option '--anchor <date>' argument '${anchor}' is invalid. must be a UTC date (e.g. 2026-11-30) or an ISO-8601 date and time with its offset or Z`);
      expect(run.output).not.toMatch(/RangeError|Invalid time value|\n\s+at /);
    }
  });
});
