// Benchmark of issue 4 on the embedded default (SQLite, in process, no HTTP):
//  a. a full segment re-evaluation of 20 segments over 100,000 customers, with where the time goes
//     (reading facts, evaluating rules, appending membership events) beside the raw SQLite read
//     rate of the same documents;
//  b. projector throughput with only the customer view + tickets, and with every projection
//     (segments, loyalty, analytics on), over the same events.
// Run: npm run bench:segments   (results also go to bench/results/segments-latest.md)
// Knobs: BENCH_SEGMENT_CUSTOMERS (100000), BENCH_PROJECTION_EVENTS (200000), BENCH_PROJECTOR_BATCH (1000).
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { SqliteReadStore, type Projection, type ReadStore } from '@app/read-store';
import { CommandExecutor } from '@app/platform';
import { ProjectorRunner } from '@app/transport';
import { customerViewProjections } from '@app/customer-view';
import { ticketProjection } from '@app/tickets';
import { chronicleProjections } from '@app/composition';
import { SegmentCommands, SegmentEvaluator, SegmentSweep, type EvaluationResult } from '@app/segments';
import { appendHistories, BENCH_SEGMENTS } from './segments-workload';
import { PhaseTimer } from './segments-phase-timer';
import { fmt, table } from './stats';

const CUSTOMERS = Number(process.env.BENCH_SEGMENT_CUSTOMERS ?? 100_000);
const PROJECTION_EVENTS = Number(process.env.BENCH_PROJECTION_EVENTS ?? 200_000);
const BATCH = Number(process.env.BENCH_PROJECTOR_BATCH ?? 1000);
const NOW = new Date('2026-11-20T12:00:00Z');
/** The collections a segment evaluation reads (customer-facts.ts and segment-evaluator.ts). */
const FACT_COLLECTIONS = ['customer360', 'customerAnalytics', 'loyaltyAccounts', 'segmentActivity', 'segmentMembers'];

const seconds = (startedMs: number) => (performance.now() - startedMs) / 1000;
const log = (line: string) => process.stdout.write(`${line}\n`);

interface ProjectionRun {
  /** Events applied and the projector time (applyBatch only) once `markAt` events were done. */
  readonly atLimit: { events: number; seconds: number };
  readonly total: { events: number; seconds: number };
}

/** Feeds the log through a ProjectorRunner in batches; reading the log is not counted. */
async function project(events: SqliteEventStore, reads: ReadStore, projections: readonly Projection[], name: string, options: { stopAt?: number; markAt?: number } = {}): Promise<ProjectionRun> {
  const limit = options.stopAt ?? Infinity;
  const mark = options.markAt ?? limit;
  const runner = new ProjectorRunner(reads, projections, { name });
  await runner.start();
  let applied = 0;
  let busy = 0;
  let atLimit: { events: number; seconds: number } | undefined;
  for (let position = runner.position; ; ) {
    const batch: RecordedEvent[] = await events.readAll({ after: position, maxCount: Math.min(BATCH, limit - applied, applied < mark ? mark - applied : BATCH) });
    if (batch.length === 0) break;
    const started = performance.now();
    await runner.applyBatch(batch);
    busy += seconds(started);
    applied += batch.length;
    position = batch[batch.length - 1].position;
    if (!atLimit && applied >= mark) atLimit = { events: applied, seconds: busy };
    if (applied >= limit) break;
  }
  return { atLimit: atLimit ?? { events: applied, seconds: busy }, total: { events: applied, seconds: busy } };
}

/** The physical floor of a sweep's read phase: every document it needs, straight from SQLite, parsed. */
function rawFactRead(file: string): { docs: number; seconds: number } {
  const db = new Database(file, { readonly: true });
  try {
    const started = performance.now();
    let docs = 0;
    for (const collection of FACT_COLLECTIONS) {
      for (const row of db.prepare(`SELECT doc FROM rm_${collection} ORDER BY id`).iterate() as IterableIterator<{ doc: string }>) {
        JSON.parse(row.doc);
        docs++;
      }
    }
    return { docs, seconds: seconds(started) };
  } finally {
    db.close();
  }
}

async function timedEvaluation(timer: PhaseTimer, work: () => Promise<EvaluationResult>): Promise<{ result: EvaluationResult; seconds: number; readS: number; findS: number; commandS: number; commands: number }> {
  timer.reset();
  const started = performance.now();
  const result = await work();
  return { result, seconds: seconds(started), readS: timer.readMs / 1000, findS: timer.findMs / 1000, commandS: timer.commandMs / 1000, commands: timer.commands };
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-segments-bench-'));
  const events = new SqliteEventStore(join(dir, 'events.sqlite'));
  const readsFile = join(dir, 'reads.sqlite');
  const reads = new SqliteReadStore(readsFile);
  const lines: string[] = [];
  const out = (line = '') => {
    lines.push(line);
    log(line);
  };
  try {
    out(`# Segments, loyalty and analytics bench — ${new Date().toISOString()}`);
    out(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}. Customers ${fmt(CUSTOMERS)}, projector batch ${fmt(BATCH)}.`);

    let started = performance.now();
    const appended = await appendHistories(events, CUSTOMERS, NOW, 42);
    const appendS = seconds(started);
    out(`Appended ${fmt(appended)} events for ${fmt(CUSTOMERS)} customers in ${fmt(appendS, 1)} s (${fmt(appended / appendS)} events/s, group commits of 2,000 customers).`);

    // b. Projection throughput, off (customer view + tickets) and on (everything), same events.
    const limit = Math.min(PROJECTION_EVENTS, appended);
    const offReads = new SqliteReadStore(join(dir, 'reads-off.sqlite'));
    const off = await project(events, offReads, [...customerViewProjections, ticketProjection], 'bench-off', { stopAt: limit });
    await offReads.close();
    const offRate = off.atLimit.events / off.atLimit.seconds;
    out(`Projection off (customer view + tickets): ${fmt(off.atLimit.events)} events in ${fmt(off.atLimit.seconds, 1)} s = ${fmt(offRate)} events/s`);
    const on = await project(events, reads, chronicleProjections('EUR'), 'bench-on', { markAt: limit });
    const onRate = on.atLimit.events / on.atLimit.seconds;
    out(`Projection on (chronicleProjections): first ${fmt(limit)} events ${fmt(onRate)} events/s; all ${fmt(on.total.events)} events in ${fmt(on.total.seconds, 1)} s = ${fmt(on.total.events / on.total.seconds)} events/s`);

    // a. Segment re-evaluation.
    const executor = new CommandExecutor(events);
    const commands = new SegmentCommands(executor);
    for (const segment of BENCH_SEGMENTS) {
      const outcome = await commands.execute(
        { type: 'DefineSegment', segmentId: segment.segmentId, name: segment.segmentId, description: 'bench', rule: segment.rule },
        { actor: { type: 'agent', id: 'bench' }, source: 'bench', correlationId: `bench-${segment.segmentId}`, causationId: null, occurredAt: NOW.toISOString() },
      );
      if (!outcome.changed) throw new Error(`segment ${segment.segmentId} was not defined`);
    }
    await project(events, reads, chronicleProjections('EUR'), 'bench-on');

    const timer = new PhaseTimer();
    const evaluator = new SegmentEvaluator(timer.readStore(reads), timer.executor(executor), 'EUR', { pageSize: 500 });
    const segments = (await evaluator.activeSegments()).map((s) => ({ segmentId: s.segmentId, rule: s.rule, purpose: s.purpose ?? null }));
    if (segments.length !== BENCH_SEGMENTS.length) throw new Error(`expected ${BENCH_SEGMENTS.length} active segments, found ${segments.length}`);

    const cold = await timedEvaluation(timer, () => evaluator.evaluateSegments(segments, { reason: 'segment-defined', trigger: 'bench-cold', causationId: null, now: NOW }));
    started = performance.now();
    const membershipProjection = await project(events, reads, chronicleProjections('EUR'), 'bench-on');
    const membershipProjectS = seconds(started);
    const warm = await timedEvaluation(timer, () => evaluator.evaluateSegments(segments, { reason: 'rule-changed', trigger: 'bench-warm', causationId: null, now: NOW }));
    const nextDay = new Date(NOW.getTime() + 86_400_000);
    const sweep = new SegmentSweep(evaluator, { now: () => nextDay });
    let swept = 0;
    const daily = await timedEvaluation(timer, async () => {
      const result = await sweep.sweep();
      swept = result.segments;
      return result;
    });
    const withIdPages = new SegmentEvaluator(timer.readStore(reads, { idPages: true }), timer.executor(executor), 'EUR', { pageSize: 500 });
    const warmIdPages = await timedEvaluation(timer, () => withIdPages.evaluateSegments(segments, { reason: 'rule-changed', trigger: 'bench-warm-id', causationId: null, now: NOW }));
    const raw = rawFactRead(readsFile);
    const rawCustomersPerS = CUSTOMERS / raw.seconds;

    out('');
    out('## a. Segment re-evaluation, 20 segments');
    const row = (name: string, run: typeof cold) => [
      name,
      `${fmt(run.seconds, 1)} s`,
      fmt(run.result.evaluated / run.seconds),
      `${fmt(run.result.entered)} / ${fmt(run.result.left)}`,
      `${fmt(run.readS, 1)} s (${fmt((100 * run.readS) / run.seconds)}%), of which find ${fmt(run.findS, 1)} s`,
      `${fmt(run.seconds - run.readS - run.commandS, 1)} s (${fmt((100 * (run.seconds - run.readS - run.commandS)) / run.seconds)}%)`,
      `${fmt(run.commandS, 1)} s (${fmt((100 * run.commandS) / run.seconds)}%), ${fmt(run.commands)} commands`,
      `${fmt((100 * (run.result.evaluated / run.seconds)) / rawCustomersPerS)}%`,
    ];
    out(table([
      ['run', 'time', 'customers/s', 'entered / left', 'reading facts', 'evaluating (rest)', 'membership commands', 'of raw read rate'],
      row(`cold: all ${segments.length} just defined, memberships recorded`, cold),
      row(`warm: all ${segments.length} again, nothing changed`, warm),
      row(`daily sweep (${swept} time-bound segments, +1 day)`, daily),
      row('what-if: warm again, id pages by primary key (bench-side rewrite)', warmIdPages),
    ]));
    out(`Projecting the cold run's membership events: ${fmt(membershipProjection.total.events)} events in ${fmt(membershipProjectS, 1)} s.`);
    out(`Raw SQLite floor: reading + JSON.parse of every document evaluation needs (${FACT_COLLECTIONS.join(', ')}): ${fmt(raw.docs)} docs in ${fmt(raw.seconds, 2)} s = ${fmt(raw.docs / raw.seconds)} docs/s, ${fmt(rawCustomersPerS)} customers/s.`);
    out('');
    out('## b. Projector throughput, same events');
    out(table([
      ['projections', 'events', 'events/s', 'ratio on/off'],
      ['customer view + tickets (off)', fmt(off.atLimit.events), fmt(offRate), ''],
      ['chronicleProjections (on)', fmt(on.atLimit.events), fmt(onRate), `${fmt((100 * onRate) / offRate)}%`],
    ]));
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'segments-latest.md'), lines.join('\n') + '\n');
  } finally {
    await events.close();
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
