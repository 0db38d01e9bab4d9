// What a timeline row's indexes cost SQLite, and whether indexed fields as real columns would be
// cheaper than the read store's JSON expression indexes: the same 630-byte documents upserted with
// the read store's statement (1,000-row transactions, WAL, synchronous NORMAL, secure_delete) into
// tables laid out five ways, rounds alternated so drift on a shared machine falls on every layout.
//   BENCH_INDEX_DOCS (30,000)  BENCH_ROUNDS (3)
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DOCS = Number(process.env['BENCH_INDEX_DOCS'] ?? 30_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

interface Row {
  readonly id: string;
  readonly lastPosition: number;
  readonly customerId: string;
  readonly occurredAt: string;
  readonly eventId: string;
  readonly channel: string;
  readonly [field: string]: unknown;
}

const rows: Row[] = Array.from({ length: DOCS }, (_, i) => {
  const eventId = `ev-${i.toString(36)}-${'a'.repeat(24)}`;
  return {
    id: eventId,
    lastPosition: i + 1,
    customerId: `cust-${i % 3_000}`,
    occurredAt: new Date(1.7e12 + i * 1_000).toISOString(),
    eventId,
    channel: ['email', 'call', 'chat', 'shop'][i % 4] as string,
    type: 'PurchaseCompleted',
    summary: `Bought something for 42.00 EUR in the shop, order o-${i}`,
    data: { orderId: `o-${i}`, amount: 42, currency: 'EUR', items: [{ sku: 'sku-1', qty: 1, price: 42 }], note: 'x'.repeat(200) },
  };
});

const TABLE = 'CREATE TABLE t (id TEXT PRIMARY KEY, last_position INTEGER NOT NULL, doc TEXT NOT NULL';
const UPSERT = `ON CONFLICT(id) DO UPDATE SET last_position = excluded.last_position, doc = excluded.doc WHERE excluded.last_position > t.last_position`;
const json = (field: string) => `json_extract(doc, '$.${field}')`;
const byCustomer = (c: string, o: string, e: string) => `(${c}, ${o} DESC, ${e} DESC)`;
const byChannel = (c: string, ch: string, o: string, e: string) => `(${c}, ${ch}, ${o} DESC, ${e} DESC)`;

interface Layout {
  readonly name: string;
  readonly schema: string;
  readonly insert: string;
  readonly bind: (row: Row) => unknown[];
}

const plain = (row: Row) => [row.id, row.lastPosition, JSON.stringify(row)];
const layouts: Layout[] = [
  { name: 'no secondary index', schema: `${TABLE})`, insert: `INSERT INTO t (id, last_position, doc) VALUES (?, ?, ?) ${UPSERT}`, bind: plain },
  {
    name: "JSON expression indexes (the timeline's two, as today)",
    schema: `${TABLE}); CREATE INDEX a ON t ${byCustomer(json('customerId'), json('occurredAt'), json('eventId'))};
      CREATE INDEX b ON t ${byChannel(json('customerId'), json('channel'), json('occurredAt'), json('eventId'))}`,
    insert: `INSERT INTO t (id, last_position, doc) VALUES (?, ?, ?) ${UPSERT}`,
    bind: plain,
  },
  {
    name: 'stored generated columns, same two indexes',
    schema: `${TABLE}, c AS (${json('customerId')}) STORED, o AS (${json('occurredAt')}) STORED, e AS (${json('eventId')}) STORED, ch AS (${json('channel')}) STORED);
      CREATE INDEX a ON t ${byCustomer('c', 'o', 'e')}; CREATE INDEX b ON t ${byChannel('c', 'ch', 'o', 'e')}`,
    insert: `INSERT INTO t (id, last_position, doc) VALUES (?, ?, ?) ${UPSERT}`,
    bind: plain,
  },
  {
    name: 'real columns bound from the document in JS, same two indexes',
    schema: `${TABLE}, c, o, e, ch); CREATE INDEX a ON t ${byCustomer('c', 'o', 'e')}; CREATE INDEX b ON t ${byChannel('c', 'ch', 'o', 'e')}`,
    insert: `INSERT INTO t (id, last_position, doc, c, o, e, ch) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET last_position = excluded.last_position, doc = excluded.doc, c = excluded.c, o = excluded.o, e = excluded.e, ch = excluded.ch
      WHERE excluded.last_position > t.last_position`,
    bind: (row) => [...plain(row), row.customerId, row.occurredAt, row.eventId, row.channel],
  },
  {
    name: 'JSON expression index, the channel one only',
    schema: `${TABLE}); CREATE INDEX b ON t ${byChannel(json('customerId'), json('channel'), json('occurredAt'), json('eventId'))}`,
    insert: `INSERT INTO t (id, last_position, doc) VALUES (?, ?, ?) ${UPSERT}`,
    bind: plain,
  },
];

function microsPerRow(dir: string, layout: Layout, round: number): number {
  const db = new Database(join(dir, `r${round}-${layouts.indexOf(layout)}.sqlite`));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('secure_delete = ON');
    db.exec(layout.schema);
    const insert = db.prepare(layout.insert);
    const batch = db.transaction((from: number) => {
      for (let i = from; i < Math.min(DOCS, from + 1_000); i++) insert.run(...layout.bind(rows[i] as Row));
    });
    const started = process.hrtime.bigint();
    for (let from = 0; from < DOCS; from += 1_000) batch(from);
    return Number(process.hrtime.bigint() - started) / 1e3 / DOCS;
  } finally {
    db.close();
  }
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-index-cost-'));
  try {
    const results = new Map<string, number[]>(layouts.map((layout) => [layout.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? layouts : [...layouts].reverse();
      for (const layout of order) results.get(layout.name)?.push(microsPerRow(dir, layout, round));
    }
    console.log(`${DOCS} upserts of ~630-byte timeline documents, 1,000 per transaction, ${ROUNDS} rounds (median, then every round), Node ${process.version}`);
    for (const [name, micros] of results) {
      const sorted = [...micros].sort((a, b) => a - b);
      console.log(`  ${name}: ${(sorted[Math.floor(sorted.length / 2)] as number).toFixed(1)} µs/row (${micros.map((m) => m.toFixed(1)).join(', ')})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
