// What one HTTP request costs the server's HTTP thread (the event loop every request passes through),
// in CPU time, beside the floor of the same run: a bare Node HTTP server on the same machine doing the
// least each request must do (a 360 read: one SQLite lookup of the same document, parse, send; a
// command: parse the JSON body, one durable single-row insert). The main thread's CPU is read from
// /proc/<pid>/task/<pid>/stat, the whole process's (writer and projector threads too) from
// /proc/<pid>/stat, before and after a closed loop of BENCH_COST_CLIENTS clients (default 8) sending
// BENCH_COST_REQUESTS requests of each kind (default 3,000). CPU per request is steadier than a
// latency on a noisy machine: it does not count the time the thread waited for a core.
// Builds (this one, and BENCH_SERVER_MAIN: another build's dist/apps/chronicle/src/main.js) and the
// floor are measured alternately, BENCH_COST_ROUNDS times each (default 2); BENCH_COST_KINDS picks
// some of the three kinds.
//
//   npm run bench:request-cost
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from './http-client';
import { BENCH_KEY, customerId, headers, pool, post, registerCustomers } from './embedded-workload';
import { startProcess, startServer, THIS_BUILD, type ServerProcess } from './server-process';
import { fmt, table } from './stats';

const ROUNDS = Number(process.env.BENCH_COST_ROUNDS ?? 2);
const REQUESTS = Number(process.env.BENCH_COST_REQUESTS ?? 3_000);
const CLIENTS = Number(process.env.BENCH_COST_CLIENTS ?? 8);
const CUSTOMERS = 1_000;
const WARM = 300;

const KIND_NAMES = { read: '360 read', note: 'note (command)', registration: 'customer registration (command)' } as const;
type Kind = (typeof KIND_NAMES)[keyof typeof KIND_NAMES];
/** BENCH_COST_KINDS: a comma-separated subset of read, note, registration (default all three). */
const KINDS: readonly Kind[] = (Object.keys(KIND_NAMES) as (keyof typeof KIND_NAMES)[])
  .filter((name) => (process.env.BENCH_COST_KINDS ?? 'read,note,registration').split(',').includes(name))
  .map((name) => KIND_NAMES[name]);

interface Cost {
  readonly rate: number;
  readonly mainUs: number;
  readonly processUs: number;
}

let unique = 0;

function request(kind: Kind, url: string, i: number): Promise<void> {
  const n = unique++;
  const check = (status: number, expected: number) => {
    if (status !== expected) throw new Error(`${kind}: ${status}, expected ${expected}`);
  };
  switch (kind) {
    case '360 read':
      return http('GET', `${url}/v1/customers/${customerId((i * 7919) % CUSTOMERS)}`, headers).then((r) => check(r.status, 200));
    case 'note (command)':
      return post(`${url}/v1/interactions/notes`, { customerId: customerId(i % CUSTOMERS), noteId: `cost-${process.pid}-${n}`, text: 'Called back about the delivery', authorId: 'bench' }).then((r) => check(r.status, 201));
    case 'customer registration (command)':
      return post(`${url}/v1/customers`, { customerId: `cost-${process.pid}-${n}`, profile: { firstName: 'Ada', lastName: `Cost${n}`, email: `cost${n}@example.com` } }).then((r) => check(r.status, 201));
  }
}

async function costs(target: ServerProcess): Promise<Map<Kind, Cost>> {
  const result = new Map<Kind, Cost>();
  for (const kind of KINDS) {
    await pool(WARM, CLIENTS, (i) => request(kind, target.url, i));
    const before = target.cpuMs();
    const started = performance.now();
    await pool(REQUESTS, CLIENTS, (i) => request(kind, target.url, i));
    const seconds = (performance.now() - started) / 1000;
    const after = target.cpuMs();
    result.set(kind, { rate: REQUESTS / seconds, mainUs: ((after.main - before.main) / REQUESTS) * 1000, processUs: ((after.process - before.process) / REQUESTS) * 1000 });
  }
  return result;
}

async function chronicle(main: string): Promise<{ target: ServerProcess; document: unknown; cleanup: () => void }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-cost-'));
  const server = await startServer({ DATA_DIR: dataDir, PORT: '0', API_KEYS: `admin=${BENCH_KEY}`, LOG_LEVEL: 'warn' }, main);
  await registerCustomers(server.url, 0, CUSTOMERS, 16);
  const view = await http('GET', `${server.url}/v1/customers/${customerId(0)}`, headers);
  return { target: server, document: view.json, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/**
 * The floor: node:http and better-sqlite3 (WAL, synchronous=NORMAL as Chronicle's default) with
 * nothing else: GET answers the stored document of the id, each POST parses its body and commits
 * one ~400-byte row on its own.
 */
const FLOOR_SOURCE = `
const http = require('node:http');
const Database = require(process.env.DRIVER);
const db = new Database(process.env.FILE);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE docs (id TEXT PRIMARY KEY, doc TEXT NOT NULL); CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL, data TEXT NOT NULL)');
const put = db.prepare('INSERT INTO docs VALUES (?, ?)');
const doc = JSON.parse(process.env.DOC);
db.transaction(() => { for (let i = 0; i < ${CUSTOMERS}; i++) put.run('bench-' + i, JSON.stringify({ ...doc, customerId: 'bench-' + i })); })();
const get = db.prepare('SELECT doc FROM docs WHERE id = ?').pluck();
const append = db.prepare('INSERT INTO events (event_id, stream_id, data) VALUES (?, ?, ?)');
let next = 0;
http.createServer((req, res) => {
  if (req.method === 'GET') {
    const row = get.get(decodeURIComponent(req.url.slice(req.url.lastIndexOf('/') + 1)));
    if (row === undefined) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(JSON.parse(row)));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const id = 'e-' + next++;
    append.run(id, 'stream-' + id, JSON.stringify(body));
    res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ eventId: id, position: next }));
  });
}).listen(0, '127.0.0.1', function () { process.stdout.write('listening on http://127.0.0.1:' + this.address().port + '\\n'); });
`;

async function floor(document: unknown): Promise<{ target: ServerProcess; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-cost-floor-'));
  const target = await startProcess(['-e', FLOOR_SOURCE], { DRIVER: require.resolve('better-sqlite3'), FILE: join(dir, 'floor.sqlite'), DOC: JSON.stringify(document) });
  return { target, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function main(): Promise<void> {
  const other = process.env.BENCH_SERVER_MAIN;
  const builds: [string, string][] = [['this build', THIS_BUILD], ...(other ? ([['BENCH_SERVER_MAIN', other]] as [string, string][]) : [])];
  const measured = new Map<string, Map<Kind, Cost>[]>();
  const keep = (arm: string, cost: Map<Kind, Cost>) => measured.set(arm, [...(measured.get(arm) ?? []), cost]);
  for (let round = 1; round <= ROUNDS; round++) {
    let document: unknown;
    for (const [name, main] of builds) {
      const server = await chronicle(main);
      try {
        keep(name, await costs(server.target));
        document ??= server.document;
      } finally {
        await server.target.stop();
        server.cleanup();
      }
    }
    const bare = await floor(document);
    try {
      keep('floor', await costs(bare.target));
    } finally {
      await bare.target.stop();
      bare.cleanup();
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  const of = (arm: string, kind: Kind, field: keyof Cost) => median((measured.get(arm) ?? []).map((m) => (m.get(kind) as Cost)[field]));
  const rows: string[][] = [];
  for (const kind of KINDS) {
    const floorMain = of('floor', kind, 'mainUs');
    rows.push([kind, 'floor (node:http + better-sqlite3)', `${fmt(of('floor', kind, 'rate'))}/s`, `${fmt(floorMain)} µs`, `${fmt(of('floor', kind, 'processUs'))} µs`, '1×']);
    for (const [name] of builds) {
      const main = of(name, kind, 'mainUs');
      rows.push([kind, name, `${fmt(of(name, kind, 'rate'))}/s`, `${fmt(main)} µs`, `${fmt(of(name, kind, 'processUs'))} µs`, `${(main / floorMain).toFixed(1)}×`]);
    }
  }
  console.log(`# Request cost, ${new Date().toISOString()}: ${fmt(REQUESTS)} requests of each kind, ${CLIENTS} clients, medians of ${ROUNDS} round(s)\n`);
  console.log(table([['request', 'server', 'requests/s', 'HTTP thread CPU per request', 'all threads CPU per request', 'HTTP thread / floor'], ...rows]));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
