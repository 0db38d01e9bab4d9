// What snapshots (issue 13 item 4) save a command on a long-lived stream: one customer-<id> stream
// of BENCH_STREAM_EVENTS events (consents given and withdrawn), then single commands on it through
// the CommandExecutor, without snapshots (the whole stream read and folded) and with them
// (SNAPSHOT_EVERY=100: the snapshot, then at most ~100 events), each beside the raw cost, in the
// same run on the same file, of reading that many rows of the stream with better-sqlite3 and
// parsing their JSON (the floor under any read of them).
// Run: npx ts-node --transpile-only -r tsconfig-paths/register bench/snapshots.bench.ts
//      (BENCH_STREAM_EVENTS=10000 BENCH_COMMANDS=300 BENCH_SNAPSHOT_EVERY=100)
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customerDecider, type ConsentPurpose, type CustomerCommand, type CustomerEvent, type CustomerState } from '@app/customers';
import { SqliteEventStore, SqliteSnapshotStore } from '@app/event-store';
import { CommandExecutor, type CommandContext, type StreamCommand } from '@app/platform';
import { fmt, summarise, table } from './stats';

const STREAM_EVENTS = Number(process.env.BENCH_STREAM_EVENTS ?? 10_000);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 300);
const EVERY = Number(process.env.BENCH_SNAPSHOT_EVERY ?? 100);
/** Without snapshots each command reads the whole stream: fewer of them give a stable figure. */
const COMMANDS_WITHOUT = Math.max(20, Math.min(COMMANDS, Math.round(400_000 / STREAM_EVENTS)));
const CUSTOMER = 'c-bench-1';
const STREAM = `customer-${CUSTOMER}`;
const PURPOSES: readonly ConsentPurpose[] = ['marketing_email', 'marketing_sms', 'marketing_phone', 'profiling', 'third_party_sharing'];

const lines: string[] = [];
function say(text: string): void {
  lines.push(text);
  process.stdout.write(`${text}\n`);
}

const context = (): CommandContext => ({ actor: { type: 'service', id: 'bench' }, source: 'bench', correlationId: 'bench', causationId: null, occurredAt: new Date().toISOString() });
const request = (command: CustomerCommand): StreamCommand<CustomerCommand, CustomerState, CustomerEvent> => ({ streamId: STREAM, decider: customerDecider, command, chronological: true });
let toggles = 0;
/** Each command changes a consent (given ↔ withdrawn), so each appends one event. */
function toggle(): CustomerCommand {
  const n = toggles++;
  const purpose = PURPOSES[n % PURPOSES.length];
  const give = Math.floor(n / PURPOSES.length) % 2 === 0;
  return { type: give ? 'GiveConsent' : 'WithdrawConsent', customerId: CUSTOMER, purpose, via: 'bench' };
}

/** Latencies (ms) of `count` commands one after the other, and their rate. */
async function commands(executor: CommandExecutor, count: number): Promise<{ ms: number[]; perSecond: number }> {
  const ms: number[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const at = process.hrtime.bigint();
    await executor.execute(request(toggle()), context());
    ms.push(Number(process.hrtime.bigint() - at) / 1e6);
  }
  return { ms, perSecond: count / (Number(process.hrtime.bigint() - started) / 1e9) };
}

/** Mean ms of reading the stream's last `rows` rows in revision order and parsing data and metadata. */
function rawRead(file: string, rows: number): number {
  const db = new Database(file, { readonly: true });
  try {
    const read = db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision');
    const head = (db.prepare('SELECT MAX(revision) AS last FROM events WHERE stream_id = ?').get(STREAM) as { last: number }).last;
    const once = () => {
      for (const row of read.all(STREAM, head - rows + 1) as { data: string; metadata: string }[]) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
      }
    };
    for (let i = 0; i < 5; i++) once();
    const times = Math.max(20, Math.round(200_000 / rows));
    const started = process.hrtime.bigint();
    for (let i = 0; i < times; i++) once();
    return Number(process.hrtime.bigint() - started) / 1e6 / times;
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-bench-snapshots-'));
  const file = join(directory, 'events.sqlite');
  const events = new SqliteEventStore(file);
  const snapshots = new SqliteSnapshotStore(file);
  try {
    say(`# Snapshots: commands on one stream of ${fmt(STREAM_EVENTS)} events`);
    say('');
    say(`${new Date().toISOString()}, node ${process.version}, SNAPSHOT_EVERY=${EVERY}; SqliteEventStore (synchronous=NORMAL) and SqliteSnapshotStore in one file, no encryption.`);
    const seeding = new CommandExecutor(events, undefined, { snapshots: { store: snapshots, every: EVERY } });
    await seeding.execute(request({ type: 'RegisterCustomer', customerId: CUSTOMER, profile: { firstName: 'Ada', country: 'DE' } }), context());
    while (toggles < STREAM_EVENTS - 1) await seeding.execute(request(toggle()), context());
    await seeding.snapshotsWritten();

    // Without snapshots: no snapshot store at all, so every command reads and folds the whole stream.
    const without = await commands(new CommandExecutor(events), COMMANDS_WITHOUT);
    // With: from the stream's snapshot on (the writes of new ones in the background, as in the server).
    const withSnapshots = new CommandExecutor(events, undefined, { snapshots: { store: snapshots, every: EVERY } });
    const withThem = await commands(withSnapshots, COMMANDS);
    await withSnapshots.snapshotsWritten();

    const length = STREAM_EVENTS + COMMANDS_WITHOUT + COMMANDS;
    const rawWhole = rawRead(file, length);
    // With snapshots a command reads the snapshot's own event and the 0..EVERY-1 after it: EVERY/2 + 1 on average.
    const suffixRows = Math.floor(EVERY / 2) + 1;
    const rawSuffix = rawRead(file, suffixRows);
    const a = summarise(without.ms);
    const b = summarise(withThem.ms);
    say('');
    say(
      table([
        ['commands', 'n', 'p50 ms', 'p99 ms', 'commands/s', 'raw read + JSON.parse of the rows it reads (ms)', 'p50 ÷ raw'],
        ['without snapshots (whole stream)', String(a.n), fmt(a.p50, 2), fmt(a.p99, 2), fmt(without.perSecond), `${fmt(rawWhole, 2)} (${fmt(length)} rows)`, `${fmt(a.p50 / rawWhole, 1)}×`],
        [`with snapshots (every ${EVERY})`, String(b.n), fmt(b.p50, 2), fmt(b.p99, 2), fmt(withThem.perSecond), `${fmt(rawSuffix, 2)} (${fmt(suffixRows)} rows, the mean suffix)`, `${fmt(b.p50 / rawSuffix, 1)}×`],
      ]),
    );
    say('');
    say(`Speed-up with snapshots: ${fmt(a.p50 / b.p50, 1)}× at the median, ${fmt(withThem.perSecond / without.perSecond, 1)}× in commands/s. A command's floor is its append too (one durable commit): raw single-row commits are measured by \`npm run bench\`.`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'snapshots-latest.md'), `${lines.join('\n')}\n`);
  } finally {
    await snapshots.close();
    await events.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
