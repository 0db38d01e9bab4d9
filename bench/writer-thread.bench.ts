// Rows 1 and 2 of embedded.bench.ts alone, for an A/B of the event store's writer (issue 13 item 2):
// 64 concurrent appenders on SqliteEventStore, and batch ingest over HTTP, each beside the raw
// SQLite limit measured in the same run. Run it from two trees (or with BENCH_SERVER_MAIN for the
// HTTP row), alternating, and compare the ratios. Prints one JSON line last.
// Also, for each row, what it costs: row 2's writer alone (no thread, no messages: its floor) in
// µs per event and WAL pages per group of 32 and 64 appends (the event log's pages a group commit
// dirties, written again by the checkpoint), row 1's CPU and bytes written per thread.
// BENCH_ROWS=store or http runs one row only.
// Run: npx ts-node --transpile-only -r tsconfig-paths/register bench/writer-thread.bench.ts
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { http } from './http-client';
import { measureRawSqlite } from './raw-sqlite';
import { openEventLogFile, SqliteEventLogWriter, type WriteRequest } from '../libs/event-store/src/sqlite/sqlite-event-log-writer';
import { startServer, threadShares } from './server-process';
import { fmt } from './stats';

const KEY = 'bench-admin-key-0123456789abcdef';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };

/** The i-th event of appender `client` (row 2): a ~400-byte call of its own customer, in a new stream. */
function appenderEvent(client: number, i: number): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'CallLogged',
    data: { customerId: `c-${client}`, callId: `gc-${client}-${i}`, direction: 'inbound', durationSeconds: 312, outcome: 'resolved', summary: 'x'.repeat(180) },
    metadata: { customerId: `c-${client}`, schemaVersion: 1, occurredAt: new Date().toISOString(), actor: { type: 'service', id: 'bench' }, source: 'bench', correlationId: randomUUID(), causationId: null },
  };
}

/** 64 concurrent appenders, each waiting for its own durable ack, straight on the store (row 2). */
async function storeGroupCommit(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-gc-'));
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  let appended = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 64 }, async (_, client) => {
      for (let i = 0; Date.now() < deadline; i++) {
        await store.append(`call-gc-${client}-${i}`, [appenderEvent(client, i)], { expectedRevision: 'no_stream' });
        appended++;
      }
    }),
  );
  const rate = (appended / (Date.now() - started)) * 1000;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

/**
 * Row 2's groups as the writer thread commits them, straight on the writer (no thread, no messages):
 * `size` single-event appends to new streams of 64 customers per group (64: row 2's groups; 32: what
 * two groups in flight would make of them), after 20,000 events so the indexes are not trivially small. What the writer alone costs per event, and the WAL pages one
 * group adds (checkpoints off meanwhile): the floor under row 2 on this machine.
 */
function writerAlone(size: number): { walPages: number; microsPerEvent: number } {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-wal-'));
  const db = openEventLogFile(join(dir, 'events.sqlite'), { writeLockBudgetMs: 1_000, synchronous: 'NORMAL' });
  try {
    const writer = new SqliteEventLogWriter(db);
    db.pragma('wal_autocheckpoint = 0');
    let n = 0;
    const group = (): WriteRequest[] =>
      Array.from({ length: size }, (_, k) => {
        const client = k % 64;
        const i = n++;
        return {
          kind: 'append',
          append: {
            streamId: `call-gc-${client}-${i}`,
            expectedRevision: 'no_stream',
            events: [appenderEvent(client, i)],
          },
        };
      });
    for (let g = 0; g < 20_000 / size; g++) writer.commitGroup(group(), new Date().toISOString());
    db.pragma('wal_checkpoint(TRUNCATE)');
    const groups = Math.round(12_800 / size);
    const prepared = Array.from({ length: groups }, group);
    const started = process.hrtime.bigint();
    for (const writes of prepared) writer.commitGroup(writes, new Date().toISOString());
    const micros = Number(process.hrtime.bigint() - started) / 1e3;
    const frameBytes = Number(db.pragma('page_size', { simple: true })) + 24;
    return { walPages: statSync(join(dir, 'events.sqlite-wal')).size / frameBytes / groups, microsPerEvent: micros / (groups * size) };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 2 clients posting batches of 1,000 calls (row 1), after registering the customers. */
async function batchIngest(): Promise<{ rate: number; threads: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-bench-'));
  const server = await startServer(
    { DATA_DIR: dataDir, PORT: '0', API_KEYS: `admin=${KEY}`, LOG_LEVEL: 'warn', MAX_BATCH_SIZE: '1000', MAX_BODY_BYTES: String(8 * 1024 * 1024) },
    process.env.BENCH_SERVER_MAIN,
  );
  try {
    const customers = 1000;
    for (let n = 0; n < customers; n += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, k) => {
          const r = await http('POST', `${server.url}/v1/customers`, headers, { customerId: `bench-${n + k}`, profile: { firstName: 'First', lastName: 'Last', email: `c${n + k}@example.com` } });
          if (r.status !== 201) throw new Error(`register: ${r.status}`);
        }),
      );
    }
    let events = 0;
    const threadsBefore = server.threads();
    const deadline = Date.now() + SECONDS * 1000;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        while (Date.now() < deadline) {
          const items = Array.from({ length: 1000 }, (_, i) => ({
            type: 'call', customerId: `bench-${(events + i) % customers}`, callId: `b-${randomUUID()}`, direction: 'inbound', durationSeconds: 60 + (i % 600), outcome: 'resolved', summary: 'Asked about delivery',
          }));
          const r = await http('POST', `${server.url}/v1/interactions/batch`, headers, { items });
          if (r.status !== 200) throw new Error(`batch: ${r.status}`);
          events += ((r.json.results ?? []) as { status: number }[]).filter((x) => x.status === 201).length;
        }
      }),
    );
    const rate = (events / (Date.now() - started)) * 1000;
    return { rate, threads: threadShares(server.pid, threadsBefore, server.threads()) };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const raw = measureRawSqlite('NORMAL');
  const groupCommit = process.env.BENCH_ROWS === 'http' ? NaN : await storeGroupCommit();
  const ingest = process.env.BENCH_ROWS === 'store' ? { rate: NaN, threads: '' } : await batchIngest();
  const batch = ingest.rate;
  const alone = process.env.BENCH_ROWS === 'http' ? [] : [32, 64].map((size) => ({ size, ...writerAlone(size) }));
  const percent = (value: number) => `${fmt((value / raw.batched1000) * 100)}%`;
  process.stdout.write(`raw SQLite NORMAL: ${fmt(raw.batched1000)} rows/s in 1,000-row transactions\n`);
  process.stdout.write(`row 2, 64 appenders on the store API: ${fmt(groupCommit)} events/s (${percent(groupCommit)} of raw)\n`);
  for (const { size, walPages, microsPerEvent } of alone) {
    process.stdout.write(`   the writer alone, groups of ${size}: ${fmt(microsPerEvent, 1)} µs per event (${fmt(1e6 / microsPerEvent)} events/s, ${fmt((1e6 / microsPerEvent / raw.batched1000) * 100)}% of raw), ${fmt(walPages, 1)} WAL pages per group (${fmt(walPages / size, 2)} per event)\n`);
  }
  process.stdout.write(`row 1, batch ingest over HTTP: ${fmt(batch)} events/s (${percent(batch)} of raw)\n`);
  process.stdout.write(`   server threads meanwhile: ${ingest.threads}\n`);
  process.stdout.write(`${JSON.stringify({ raw: Math.round(raw.batched1000), groupCommit: Math.round(groupCommit), writerAlone: alone, batch: Math.round(batch) })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
