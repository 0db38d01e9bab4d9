// What encrypting personal data costs: ingest and projection throughput with the encryption step on
// (personal values sealed with each customer's data key, keys in a SQLite key store behind the
// process cache) as a ratio of the same work with it off (upcasting only), measured in the same run,
// on the same machine, beside the raw SQLite limit. Goal: on ≥ 80% of off.
// Run: npm run bench:privacy   (BENCH_SECONDS, BENCH_PRIVACY_CUSTOMERS, BENCH_PRIVACY_EVENTS)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEventId, type Decider, type DomainEvent } from '@app/event-sourcing';
import { CodecEventStore, SqliteEventStore, upcastingCodec, type EventStore } from '@app/event-store';
import { CachedKeyStore, MasterKeyRing, SqliteKeyStore } from '@app/key-store';
import { SqliteReadStore } from '@app/read-store';
import { CommandExecutor, type CommandContext } from '@app/platform';
import { customerDecider } from '@app/customers';
import { targetOf, type InteractionCommand } from '@app/interactions';
import { chronicleEventSchemas, readerCodec, rebuildReadModels } from '@app/composition';
import { measureRawSqlite } from './raw-sqlite';
import { fmt, loadNow, machineLine, table } from './stats';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CUSTOMERS = Number(process.env.BENCH_PRIVACY_CUSTOMERS ?? 2_000);
const PROJECTED_EVENTS = Number(process.env.BENCH_PRIVACY_EVENTS ?? 30_000);
const CONCURRENCY = 64;
/** Ingest and projection runs per mode, alternated off/on, on/off...: the median is reported. */
const ROUNDS = Number(process.env.BENCH_PRIVACY_ROUNDS ?? 3);

type Mode = 'off' | 'on';

interface Stack {
  readonly mode: Mode;
  readonly dir: string;
  readonly store: EventStore;
  readonly executor: CommandExecutor;
  close(): Promise<void>;
}

/** The event store as the product composes it: with the encryption step (on) or upcasting only (off). */
function openStack(mode: Mode): Stack {
  const dir = mkdtempSync(join(tmpdir(), `chronicle-privacy-bench-${mode}-`));
  const inner = new SqliteEventStore(join(dir, 'events.sqlite'));
  const keys = mode === 'on' ? new CachedKeyStore(new SqliteKeyStore(join(dir, 'keys.sqlite'), new MasterKeyRing([Buffer.alloc(32, 7)]))) : undefined;
  const store = new CodecEventStore(inner, keys ? readerCodec(keys) : upcastingCodec(chronicleEventSchemas));
  return {
    mode, dir, store,
    executor: new CommandExecutor(store, chronicleEventSchemas),
    close: async () => {
      await store.close();
      await keys?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const context = (): CommandContext => ({
  actor: { type: 'service', id: 'bench' }, source: 'bench', correlationId: newEventId(), causationId: null, occurredAt: new Date().toISOString(),
});

const customerId = (i: number) => `bench-${i % CUSTOMERS}`;

/** A realistic mix: most interactions carry free text (sealed when on), purchases carry none. */
function interaction(i: number): InteractionCommand {
  const c = customerId(i);
  switch (i % 5) {
    case 0:
      return { type: 'LogCall', customerId: c, callId: `b-${i}-${newEventId()}`, direction: 'inbound', durationSeconds: 60 + (i % 600), connection: 'answered', resolution: 'resolved', summary: 'Asked about the delivery date of the second parcel and a return label' };
    case 1:
      return { type: 'AddNote', customerId: c, noteId: `b-${i}-${newEventId()}`, text: 'Prefers calls after 5pm; mention the loyalty voucher next time', authorId: 'agent-7' };
    case 2:
      return { type: 'SendEmail', customerId: c, messageId: `b-${i}-${newEventId()}`, subject: 'Your order has shipped: tracking inside' };
    case 3:
      return { type: 'AnswerSurvey', customerId: c, surveyId: `b-${i}-${newEventId()}`, kind: 'nps', score: i % 11, comment: 'Friendly agent, slow delivery' };
    default:
      return { type: 'CompletePurchase', customerId: c, orderId: `b-${i}-${newEventId()}`, channel: 'web', currency: 'EUR', lines: [{ sku: 'SCARF', name: 'Merino scarf', category: 'accessories', quantity: 2, unitPriceMinor: 2995 }] };
  }
}

function record(stack: Stack, command: InteractionCommand) {
  const target = targetOf(command);
  return stack.executor.execute({ ...target, command: { ...command, customerStatus: 'active' } }, context());
}

/** Registers every customer (with a profile that is all personal): creates their data keys when on. */
async function registerAll(stack: Stack): Promise<number> {
  const started = performance.now();
  let next = 0;
  const decider = customerDecider as unknown as Decider<{ type: string }, unknown, DomainEvent>;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < CUSTOMERS; i = next++) {
      const command = { type: 'RegisterCustomer', customerId: `bench-${i}`, profile: { firstName: `First${i}`, lastName: `Last${i}`, email: `c${i}@example.com`, phone: `+4930${1000000 + i}`, city: 'Berlin', country: 'DE' } };
      await stack.executor.execute({ streamId: `customer-bench-${i}`, decider, command, naturalKey: 'register' }, context());
    }
  }));
  return CUSTOMERS / ((performance.now() - started) / 1000);
}

/** 64 concurrent clients, each awaiting its command (load → decide → encode → append) before the next, for SECONDS. */
async function ingest(stack: Stack): Promise<number> {
  let done = 0;
  let n = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      await record(stack, interaction(n++));
      done++;
    }
  }));
  return done / ((performance.now() - started) / 1000);
}

/** Fills the log to PROJECTED_EVENTS events (untimed). */
async function fill(stack: Stack): Promise<void> {
  let n = 1_000_000;
  let head = await stack.store.headPosition();
  while (head < PROJECTED_EVENTS) {
    await Promise.all(Array.from({ length: CONCURRENCY }, () => record(stack, interaction(n++))));
    head = await stack.store.headPosition();
  }
}

/** Reads and decodes the whole log, then rebuilds every read model from it into a fresh store: events/s. */
async function projection(stack: Stack, round: number): Promise<{ rate: number; events: number; decodeOnly: number }> {
  // Reading and decoding alone (what the codec adds on the read side, without the projections).
  let started = performance.now();
  let read = 0;
  for (let after = 0; ; ) {
    const batch = await stack.store.readAll({ after, maxCount: 1000 });
    if (batch.length === 0) break;
    read += batch.length;
    after = batch[batch.length - 1].position;
  }
  const decodeOnly = read / ((performance.now() - started) / 1000);
  const reads = new SqliteReadStore(join(stack.dir, `read-models-${round}.sqlite`));
  try {
    started = performance.now();
    const result = await rebuildReadModels(stack.store, reads, { batchSize: 1000, currency: 'EUR' });
    return { rate: result.events / ((performance.now() - started) / 1000), events: result.events, decodeOnly };
  } finally {
    await reads.close();
  }
}

interface Figures {
  register: number;
  ingest: number[];
  projection: number[];
  decodeOnly: number[];
  events: number;
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  say(`# Privacy benchmark (encryption on vs off), ${new Date().toISOString()}`);
  say(`machine: ${machineLine()}; ${SECONDS}s per ingest run, ${fmt(CUSTOMERS)} customers, ${fmt(PROJECTED_EVENTS)} events projected\n`);
  const raw = measureRawSqlite('NORMAL');
  say(`raw SQLite (WAL, NORMAL, ~400-byte rows): ${fmt(raw.batched1000)} rows/s in 1,000-row transactions, ${fmt(raw.singleRowCommits)} single-row commits/s`);

  const figures: Record<Mode, Figures> = {
    off: { register: 0, ingest: [], projection: [], decodeOnly: [], events: 0 },
    on: { register: 0, ingest: [], projection: [], decodeOnly: [], events: 0 },
  };
  const stacks: Record<Mode, Stack> = { off: openStack('off'), on: openStack('on') };
  try {
    for (const mode of ['off', 'on'] as const) figures[mode].register = await registerAll(stacks[mode]);
    // Alternated, so drift on a shared machine falls on both sides alike.
    const order = (round: number) => (round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const));
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of order(round)) figures[mode].ingest.push(await ingest(stacks[mode]));
    }
    for (const mode of ['off', 'on'] as const) await fill(stacks[mode]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of order(round)) {
        const projected = await projection(stacks[mode], round);
        figures[mode].projection.push(projected.rate);
        figures[mode].decodeOnly.push(projected.decodeOnly);
        figures[mode].events = projected.events;
      }
    }
  } finally {
    await stacks.off.close();
    await stacks.on.close();
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  };
  const ratio = (on: number, off: number) => `${fmt((on / off) * 100)}%`;
  const { off, on } = figures;
  say('');
  say(table([
    ['measurement (median of the runs)', 'encryption off', 'encryption on', 'on / off', 'raw limit (same run)', 'target'],
    ['ingest: 64 concurrent commands (load → decide → encode → append), events/s', fmt(median(off.ingest)), fmt(median(on.ingest)), ratio(median(on.ingest), median(off.ingest)), `${fmt(raw.batched1000)} rows/s batched`, '≥ 80%'],
    ['projection: rebuild of every read model from the log, events/s', fmt(median(off.projection)), fmt(median(on.projection)), ratio(median(on.projection), median(off.projection)), `${fmt(raw.batched1000)} rows/s batched`, '≥ 80%'],
    ['read + decode the log (no projections), events/s', fmt(median(off.decodeOnly)), fmt(median(on.decodeOnly)), ratio(median(on.decodeOnly), median(off.decodeOnly)), '', ''],
    ['registration: first personal event of a new customer (creates the data key, FULL sync), customers/s', fmt(off.register), fmt(on.register), ratio(on.register, off.register), `${fmt(raw.singleRowCommits)} single-row commits/s`, ''],
  ]));
  const runs = (values: number[]) => values.map((r) => fmt(r)).join(', ');
  say(`\nruns (events/s): ingest off ${runs(off.ingest)}; on ${runs(on.ingest)}. Projection off ${runs(off.projection)}; on ${runs(on.projection)}. Read + decode off ${runs(off.decodeOnly)}; on ${runs(on.decodeOnly)}.`);
  say(`Projected logs: off ${fmt(off.events)}, on ${fmt(on.events)} events. Load average at the end: ${loadNow()}.`);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'privacy-latest.md'), `${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
