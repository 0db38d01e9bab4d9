// What projecting an event costs, and where: the all-in-one server takes batches of calls over HTTP
// while its projector thread follows, then catches up; each thread's CPU time and bytes written per
// event ingested say which thread pays what. Then, on a copy of the read-models file the run left,
// each read model a call touches is written as the projector writes it (its upsert, 1,000 documents
// in one transaction, PAGE_CACHE_KIB of page cache, secure_delete as the store sets it): time and
// write-ahead-log bytes per document. Beside them, raw 1,000-row inserts into an event-shaped table,
// measured in the same run: the figures are ratios of that limit, since these machines are noisy.
//
//   npm run bench:projection-cost
//   BENCH_SECONDS (ingest, default 5), BENCH_SERVER_MAIN (another build's main.js), BENCH_DOCS (default 1000)
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_CACHE_KIB } from '@app/sqlite';
import { batchIngest, BENCH_KEY, projectorCaughtUp, registerCustomers, SECONDS } from './embedded-workload';
import { measureRawSqlite } from './raw-sqlite';
import { startServer, type ThreadUsage } from './server-process';
import { fmt, loadNow, machineLine, table } from './stats';

const CUSTOMERS = 1000;
const DOCS = Number(process.env.BENCH_DOCS ?? 1000);

/**
 * The read models a call event writes (customer-360, timeline, analytics, segments projections), and
 * how: a row of its own (timeline entry, daily KPI fact) or the customer's one document rewritten.
 */
const CALL_WRITES: readonly { readonly collection: string; readonly write: 'insert' | 'rewrite' }[] = [
  { collection: 'customer360', write: 'rewrite' },
  { collection: 'timeline', write: 'insert' },
  { collection: 'dailyKpis', write: 'insert' },
  { collection: 'segmentActivity', write: 'rewrite' },
];

interface DocumentCost {
  readonly collection: string;
  readonly write: string;
  readonly rows: number;
  readonly meanBytes: number;
  readonly indexes: number;
  readonly microsPerDoc: number;
  readonly walKibPerDoc: number;
}

/** Writes DOCS documents of `collection` as the read store does, on a fresh copy of `source`. */
function documentCost(source: string, collection: string, write: 'insert' | 'rewrite'): DocumentCost {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-projection-cost-'));
  const file = join(dir, 'read-models.sqlite');
  copyFileSync(source, file);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    db.pragma('secure_delete = ON');
    db.pragma('wal_autocheckpoint = 0');
    const table = `rm_${collection}`;
    const { rows, meanBytes } = db.prepare(`SELECT count(*) AS rows, avg(length(doc)) AS meanBytes FROM ${table}`).get() as { rows: number; meanBytes: number };
    const indexes = (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`).get(table) as { n: number }).n;
    // Spread over the table, as a batch over many customers is.
    const sample = db.prepare(`SELECT id, last_position, doc FROM ${table} ORDER BY random() LIMIT ?`).all(DOCS) as { id: string; last_position: number; doc: string }[];
    const upsert = db.prepare(
      `INSERT INTO ${table} (id, last_position, doc) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET last_position = excluded.last_position, doc = excluded.doc WHERE excluded.last_position > ${table}.last_position`,
    );
    // Read once, so the copy's pages are in the OS cache as the live file's are.
    db.prepare(`SELECT count(*) FROM ${table} WHERE doc IS NOT NULL`).get();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const started = process.hrtime.bigint();
    db.transaction(() => {
      for (const row of sample) {
        const doc = JSON.parse(row.doc) as Record<string, unknown>;
        const id = write === 'insert' ? randomUUID() : row.id;
        upsert.run(id, row.last_position + 1_000_000_000, JSON.stringify({ ...doc, id, lastPosition: row.last_position + 1_000_000_000 }));
      }
    })();
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    const walBytes = statSync(`${file}-wal`).size;
    return { collection, write, rows, meanBytes, indexes, microsPerDoc: micros / sample.length, walKibPerDoc: walBytes / 1024 / sample.length };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function perEvent(before: Map<number, ThreadUsage>, after: Map<number, ThreadUsage>, pid: number, events: number): { thread: string; microsPerEvent: number; kibPerEvent: number }[] {
  return [...after]
    .map(([tid, usage]) => ({
      thread: tid === pid ? 'main (HTTP)' : String(tid),
      microsPerEvent: ((usage.cpuMs - (before.get(tid)?.cpuMs ?? 0)) * 1000) / events,
      kibPerEvent: (usage.writtenBytes - (before.get(tid)?.writtenBytes ?? 0)) / 1024 / events,
    }))
    .filter((thread) => thread.microsPerEvent >= 1 || thread.kibPerEvent >= 0.1)
    .sort((a, b) => b.microsPerEvent - a.microsPerEvent);
}

async function main(): Promise<void> {
  console.log(machineLine());
  const raw = measureRawSqlite('NORMAL');
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-projection-cost-server-'));
  const server = await startServer(
    { DATA_DIR: dataDir, PORT: '0', API_KEYS: `admin=${BENCH_KEY}`, LOG_LEVEL: 'warn', MAX_BATCH_SIZE: '1000', MAX_BODY_BYTES: String(8 * 1024 * 1024) },
    process.env.BENCH_SERVER_MAIN,
  );
  let threads: ReturnType<typeof perEvent>;
  let ingested: number;
  let ingestRate: number;
  let projectedRate: number;
  try {
    await registerCustomers(server.url, 0, CUSTOMERS, 16);
    await projectorCaughtUp(server.url);
    const before = server.threads();
    const started = Date.now();
    ingestRate = await batchIngest(server.url, CUSTOMERS);
    ingested = Math.round((ingestRate * (Date.now() - started)) / 1000);
    await projectorCaughtUp(server.url);
    projectedRate = (ingested * 1000) / (Date.now() - started);
    threads = perEvent(before, server.threads(), server.pid, ingested);
  } finally {
    await server.stop();
  }
  const documents = CALL_WRITES.map(({ collection, write }) => documentCost(join(dataDir, 'read-models.sqlite'), collection, write));
  rmSync(dataDir, { recursive: true, force: true });

  console.log(`\nRaw limit, this run: ${fmt(raw.batched1000)} rows/s in 1,000-row transactions (synchronous NORMAL).`);
  console.log(
    `Batch ingest over HTTP for ${SECONDS} s: ${fmt(ingested)} calls, ${fmt(ingestRate)} events/s acknowledged (${fmt((100 * ingestRate) / raw.batched1000)}% of raw); ` +
      `projected, from the first batch to caught up: ${fmt(projectedRate)} events/s (${fmt((100 * projectedRate) / raw.batched1000)}% of raw).\n`,
  );
  console.log('Each thread of the server, per call ingested (CPU time; bytes handed to write calls):');
  console.log(table([['thread', 'CPU µs / event', 'written KiB / event'], ...threads.map((t) => [t.thread, fmt(t.microsPerEvent), fmt(t.kibPerEvent, 1)])]));
  const rawMicros = 1e6 / raw.batched1000;
  console.log(`\nThe read models a call writes, ${fmt(DOCS)} documents in one transaction on a copy of the run's file (raw: ${fmt(rawMicros, 1)} µs per row):`);
  console.log(
    table([
      ['read model', 'write', 'rows', 'mean doc bytes', 'indexes', 'µs / doc', '× raw row', 'WAL KiB / doc'],
      ...documents.map((d) => [d.collection, d.write, fmt(d.rows), fmt(d.meanBytes), String(d.indexes), fmt(d.microsPerDoc, 1), fmt(d.microsPerDoc / rawMicros, 1), fmt(d.walKibPerDoc, 1)]),
      ['all four', '', '', '', '', fmt(documents.reduce((sum, d) => sum + d.microsPerDoc, 0), 1), fmt(documents.reduce((sum, d) => sum + d.microsPerDoc, 0) / rawMicros, 1), fmt(documents.reduce((sum, d) => sum + d.walKibPerDoc, 0), 1)],
    ]),
  );
  console.log(`\nload average at the end: ${loadNow()}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
