// Benchmark of the auditor's tools on the embedded store, each beside the raw limit of the same file
// measured in this run: a full rebuild of every read model and `verify log`, against the raw ordered
// scan + JSON.parse rate of the events table; the NDJSON export of the global log over HTTP (a real
// server process); and what the access log costs a read.
// Run: npm run bench:audit   (BENCH_AUDIT_EVENTS=1000000 BENCH_AUDIT_CUSTOMERS=50000 BENCH_SECONDS=5)
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { get, Agent } from 'node:http';
import { SqliteAccessLog, SqliteEventStore } from '@app/event-store';
import { SqliteReadStore } from '@app/read-store';
import { rebuildReadModels } from '@app/composition';
import { appendPlan, benchCustomerId, planWorkload } from './kafka-workload';
import { startServer } from '../test/support/chronicle-process';
import { http } from './http-client';
import { fmt, summarise, table } from './stats';

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.BENCH_AUDIT_CUSTOMERS ?? 50_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const AUDITOR = 'bench-auditor-key-0123456789';
const SUPPORT = 'bench-support-key-0123456789';

const lines: string[] = [];
function say(text: string): void {
  lines.push(text);
  process.stdout.write(`${text}\n`);
}

function timed<T>(work: () => T): { value: T; seconds: number } {
  const started = process.hrtime.bigint();
  const value = work();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function timedAsync<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** The physical read limit: every row in log order, data and metadata parsed (what a replay must do at least). */
function rawScan(file: string, parse: boolean): number {
  const db = new Database(file, { readonly: true });
  try {
    let rows = 0;
    for (const row of db.prepare('SELECT * FROM events ORDER BY position').iterate() as IterableIterator<{ data: string; metadata: string }>) {
      if (parse) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
      }
      rows += 1;
    }
    return rows;
  } finally {
    db.close();
  }
}

/** Streams the NDJSON export, counting lines and bytes, never holding the body. */
function exportLog(url: string): Promise<{ events: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const agent = new Agent({ keepAlive: false });
    get(`${url}/v1/audit/log`, { agent, headers: { Authorization: `Bearer ${AUDITOR}`, Accept: 'application/x-ndjson' } }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`export answered ${response.statusCode}`));
      let events = 0;
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (const byte of chunk) if (byte === 10) events += 1;
      });
      response.on('end', () => resolve({ events, bytes }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-audit-bench-'));
  const eventsFile = join(dir, 'events.sqlite');
  try {
    say(`# Audit benchmark, ${new Date().toISOString()}`);
    say(`${fmt(EVENTS)} events over ${fmt(CUSTOMERS)} customers (bench/kafka-workload.ts catalogue mix), Node ${process.version}`);

    // 1. The log, appended through the store (hash chains and the customer index included).
    const runId = randomUUID().slice(0, 8);
    const store = new SqliteEventStore(eventsFile);
    const appended = await timedAsync(() => appendPlan(store, planWorkload(runId, CUSTOMERS, EVENTS)));
    const total = appended.value;
    say(`appended ${fmt(total)} events in ${appended.seconds.toFixed(1)} s (${fmt(total / appended.seconds)} events/s, group commits of 2,000 appends)`);
    await store.close();

    // 2. Raw limits of this file, this run.
    const scan = timed(() => rawScan(eventsFile, false));
    const scanParse = timed(() => rawScan(eventsFile, true));
    const rawRate = scanParse.value / scanParse.seconds;
    say(`raw ordered scan ${fmt(scan.value / scan.seconds)} rows/s; scan + JSON.parse ${fmt(rawRate)} rows/s`);

    // 3. verify log.
    const verifying = new SqliteEventStore(eventsFile);
    const verified = await timedAsync(() => verifying.verifyLog());
    if (!verified.value.ok) throw new Error(`verify log failed: ${JSON.stringify(verified.value.broken)}`);
    const verifyRate = verified.value.events / verified.seconds;

    // 4. Reading the log through the store (RecordedEvent objects), then the full rebuild.
    const readAll = await timedAsync(async () => {
      let after = 0;
      let count = 0;
      for (;;) {
        const page = await verifying.readAll({ after, maxCount: 1000 });
        if (page.length === 0) return count;
        after = page[page.length - 1].position;
        count += page.length;
      }
    });
    const readModels = new SqliteReadStore(join(dir, 'read-models.sqlite'));
    const rebuilt = await timedAsync(() => rebuildReadModels(verifying, readModels, { batchSize: 10_000, currency: 'EUR' }));
    await readModels.close();
    await verifying.close();
    const rebuildRate = rebuilt.value.events / rebuilt.seconds;

    // 5. NDJSON export over HTTP from a real server process (query part only: no projector competing).
    const server = await startServer('apps/chronicle/src/main.ts', {
      DATA_DIR: dir, CHRONICLE_ROLE: 'query-api', API_KEYS: `auditor=${AUDITOR},support=${SUPPORT}`, LOG_LEVEL: 'warn',
    });
    let exportRate = 0;
    let exportBytes = 0;
    let exportSeconds = 0;
    let peakRss = 0;
    let idleRss = 0;
    let reads: ReturnType<typeof summarise> | undefined;
    let readRate = 0;
    let entries = 0;
    try {
      const pid = server.child.pid as number;
      idleRss = rssOf(pid);
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(pid))), 100);
      const exported = await timedAsync(() => exportLog(server.url));
      clearInterval(sampler);
      if (exported.value.events !== total) throw new Error(`export gave ${exported.value.events} events, expected ${total}`);
      exportRate = exported.value.events / exported.seconds;
      exportBytes = exported.value.bytes;
      exportSeconds = exported.seconds;

      // 6. The access log on the read path: 360 reads, each recorded durably before its answer.
      const samples: number[] = [];
      const deadline = Date.now() + SECONDS * 1000;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: 32 }, async (_, client) => {
          for (let i = 0; Date.now() < deadline; i++) {
            const customer = benchCustomerId(runId, (client * 7919 + i * 104729) % CUSTOMERS);
            const begin = performance.now();
            const answer = await http('GET', `${server.url}/v1/customers/${encodeURIComponent(customer)}`, { Authorization: `Bearer ${SUPPORT}` });
            if (answer.status !== 200) throw new Error(`360 read answered ${answer.status}`);
            samples.push(performance.now() - begin);
          }
        }),
      );
      readRate = samples.length / ((Date.now() - started) / 1000);
      reads = summarise(samples);
    } finally {
      await server.kill('SIGTERM');
    }
    const accessLog = new SqliteAccessLog(join(dir, 'access-log.sqlite'));
    for (let page = await accessLog.query({ limit: 10_000 }); ; page = await accessLog.query({ limit: 10_000, after: page.next as string })) {
      entries += page.entries.length;
      if (page.next === null) break;
    }

    // 7. The access log alone: 64 concurrent recorders, group commit.
    const recordSamples: number[] = [];
    const recordDeadline = Date.now() + SECONDS * 1000;
    const recordStarted = Date.now();
    await Promise.all(
      Array.from({ length: 64 }, async (_, client) => {
        while (Date.now() < recordDeadline) {
          const begin = performance.now();
          await accessLog.record({ at: new Date().toISOString(), actor: { id: 'bench', name: 'bench', role: 'support' }, action: 'customer360', customerId: `c-${client}`, resource: 'GET /v1/customers/x', correlationId: randomUUID() });
          recordSamples.push(performance.now() - begin);
        }
      }),
    );
    const recordRate = recordSamples.length / ((Date.now() - recordStarted) / 1000);
    const recordLatency = summarise(recordSamples);
    await accessLog.close();

    const perMillion = (seconds: number, events: number) => (seconds / events) * 1_000_000;
    say('');
    say(
      table([
        ['measurement', 'result', 'raw limit (same run)', 'ratio', 'target'],
        ['full rebuild, every projection, SQLite read store, 10,000-event batches (the CLI default)', `${fmt(rebuildRate)} events/s (${rebuilt.seconds.toFixed(1)} s)`, `scan + parse ${fmt(rawRate)} rows/s`, `${fmt((100 * rebuildRate) / rawRate)}%`, `≥ 50%: ${rebuildRate >= rawRate / 2 ? 'met' : 'missed'}`],
        ['`verify log` (both chains)', `${fmt(verifyRate)} events/s: ${perMillion(verified.seconds, verified.value.events).toFixed(1)} s per million`, `scan + parse ${fmt(rawRate)} rows/s (${perMillion(scanParse.seconds, scanParse.value).toFixed(1)} s per million)`, `${fmt((100 * verifyRate) / rawRate)}%`, `≥ 50%: ${verifyRate >= rawRate / 2 ? 'met' : 'missed'}`],
        ['readAll through the store (no projection)', `${fmt(readAll.value / readAll.seconds)} events/s`, `scan + parse ${fmt(rawRate)} rows/s`, `${fmt((100 * readAll.value) / readAll.seconds / rawRate)}%`, ''],
        ['NDJSON export of the global log over HTTP', `${fmt(exportRate)} events/s, ${fmt(exportBytes / exportSeconds / 1e6, 1)} MB/s (${fmt(exportBytes / 1e6)} MB in ${exportSeconds.toFixed(1)} s); server RSS ${fmt(idleRss / 1e6)} MB idle, ${fmt(peakRss / 1e6)} MB peak`, `scan + parse ${fmt(rawRate)} rows/s`, `${fmt((100 * exportRate) / rawRate)}%`, ''],
        ['360 reads over HTTP, 32 clients, each recorded in the access log before answering', `${fmt(readRate)} reads/s, p50 ${reads?.p50.toFixed(2)} ms, p99 ${reads?.p99.toFixed(2)} ms; ${fmt(entries)} access-log entries for ${fmt(reads?.n ?? 0)} reads`, '', '', ''],
        ['access log alone, 64 concurrent recorders (group commit, NORMAL)', `${fmt(recordRate)} entries/s, wait per entry p50 ${recordLatency.p50.toFixed(2)} ms, p99 ${recordLatency.p99.toFixed(2)} ms`, '', '', ''],
      ]),
    );
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'audit-latest.md'), `${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
