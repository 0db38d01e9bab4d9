// Benchmark of issue 12 (analytics that hold on real history):
//  a. CDNOW time split: BG/NBD + Gamma-Gamma fitted on the 39-week calibration, churn risk's
//     discrimination (AUC) and calibration on the holdout, beside days-since-last-purchase and the
//     score it replaced; fit time on 2,357 customers.
//  b. 100,000 customers simulated from BG/NBD and Gamma-Gamma (seeded) appended as events and
//     projected: the population snapshot's computation (scan + both fits) and the fit alone, then
//     per-customer latency of GET /v1/customers/:id/analytics on the built server, beside the raw read
//     of one customerAnalytics document from the same SQLite file and the 360 view in the same run.
// Run: npm run bench:analytics   (needs the CDNOW sample: bash test/datasets/fetch-cdnow.sh; builds first)
// Knobs: BENCH_ANALYTICS_CUSTOMERS (100000), BENCH_ANALYTICS_REQUESTS (3000).
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { FixedClock, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { SqliteReadStore } from '@app/read-store';
import { ProjectorRunner } from '@app/transport';
import { chronicleProjections, PROJECTOR_NAME } from '@app/composition';
import {
  analyseCustomer, analyticsSettings, buildPopulationSnapshot, CUSTOMER_ANALYTICS_COLLECTION, customerRecordOf, fitBgNbd, loadAnalyticsConfig, PopulationSnapshots,
  populationMemberOf, type CustomerAnalyticsDocument, type PopulationMember,
} from '@app/analytics';
import { seededUniform, simulateCustomers } from '@app/analytics/testing/btyd-simulation';
import { auc, cdnowTimeSplit } from './analytics-cdnow';
import { http } from './http-client';
import { startServer } from './server-process';
import { fmt, summarise, table } from './stats';

const CUSTOMERS = Number(process.env.BENCH_ANALYTICS_CUSTOMERS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_ANALYTICS_REQUESTS ?? 3000);
const NOW = new Date('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
const ANALYST_KEY = 'bench-analyst-key-0123456789';

const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (n: number) => `${fmt(n, 2)} ms`;
const customerId = (i: number) => `c-${String(i).padStart(6, '0')}`;

/** Appends registrations and purchases of simulated customers, 2,000 customers per group commit. */
async function appendSimulated(store: SqliteEventStore, count: number): Promise<number> {
  const simulated = simulateCustomers(count, { r: 0.3, alpha: 25, a: 0.8, b: 2.5 }, { p: 6, q: 4, v: 1500 }, { seed: 20261120, minDays: 1, maxDays: 730 });
  const jitter = seededUniform(11);
  let events = 0;
  const event = (id: string, type: string, data: Record<string, unknown>, at: number): NewEvent => ({
    eventId: randomUUID(),
    type,
    data: { customerId: id, ...data },
    metadata: { customerId: id, schemaVersion: 1, occurredAt: new Date(Math.floor(at / 1000) * 1000).toISOString(), actor: { type: 'service', id: 'bench' }, source: 'bench', correlationId: `bench-${id}`, causationId: null },
  });
  for (let from = 0; from < count; from += 2000) {
    const appends: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(from + 2000, count); i++) {
      const c = simulated[i];
      const id = customerId(i);
      const first = NOW.getTime() - c.observedDays * DAY;
      // Every simulated customer consents to profiling: scores and the population fit need it.
      appends.push(store.append(`customer-${id}`, [
        event(id, 'CustomerRegistered', { profile: { firstName: `First${i}`, lastName: `Last${i}`, country: 'DE' } }, first - DAY),
        event(id, 'ConsentGiven', { purpose: 'profiling', via: 'web' }, first - DAY),
      ], { expectedRevision: 'no_stream' }));
      [0, ...c.repeatDays].forEach((t, k) => {
        const orderId = `${id}-o${k}`;
        const totalMinor = Math.max(1, Math.round(c.values[k]));
        const at = first + t * DAY + jitter() * 3_600_000;
        appends.push(store.append(`order-${orderId}`, [event(id, 'PurchaseCompleted', {
          orderId, channel: 'web', currency: 'EUR', totalMinor, lines: [{ sku: 'SKU', name: 'Item', category: 'misc', quantity: 1, unitPriceMinor: totalMinor }],
        }, at)], { expectedRevision: 'no_stream' }));
      });
      events += 3 + c.repeatDays.length;
    }
    await Promise.all(appends);
  }
  return events;
}

async function project(events: SqliteEventStore, reads: SqliteReadStore): Promise<{ events: number; seconds: number }> {
  const runner = new ProjectorRunner(reads, chronicleProjections('EUR'), { name: PROJECTOR_NAME });
  await runner.start();
  let applied = 0;
  const started = performance.now();
  for (let position = runner.position; ; ) {
    const batch: RecordedEvent[] = await events.readAll({ after: position, maxCount: 2000 });
    if (batch.length === 0) break;
    await runner.applyBatch(batch);
    applied += batch.length;
    position = batch[batch.length - 1].position;
  }
  return { events: applied, seconds: (performance.now() - started) / 1000 };
}

function sampleIds(count: number, n: number, seed: number): string[] {
  const uniform = seededUniform(seed);
  return Array.from({ length: n }, () => customerId(Math.floor(uniform() * count)));
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const lines: string[] = [];
  const out = (line = '') => {
    lines.push(line);
    log(line);
  };
  out(`# Analytics bench — ${new Date().toISOString()}`);
  out(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}. Customers ${fmt(CUSTOMERS)}, requests ${fmt(REQUESTS)}.`);

  // a. CDNOW time split.
  const split = cdnowTimeSplit();
  const c = split.customers;
  const returned = c.map((x) => x.returned);
  const lapsed = c.map((x) => !x.returned);
  const p = split.snapshot.bgNbd?.parameters;
  out('');
  out('## a. CDNOW: calibration to 1997-09-30 (39 weeks), holdout to 1998-06-30');
  out(`BG/NBD r ${fmt(p?.r ?? NaN, 3)}, α ${fmt((p?.alpha ?? NaN) / 7, 3)} weeks, a ${fmt(p?.a ?? NaN, 3)}, b ${fmt(p?.b ?? NaN, 3)} (published 0.243, 4.414, 0.793, 2.426); both fits on ${fmt(c.length)} customers in ${fmt(split.fitMs)} ms.`);
  const observedReturn = returned.filter(Boolean).length / c.length;
  const predictedReturn = c.reduce((s, x) => s + (1 - x.churnProbability), 0) / c.length;
  const actualPurchases = c.reduce((s, x) => s + x.holdoutDays, 0);
  const predictedPurchases = c.reduce((s, x) => s + x.expectedHoldoutPurchases, 0);
  const brier = c.reduce((s, x) => s + (x.churnProbability - (x.returned ? 0 : 1)) ** 2, 0) / c.length;
  out(table([
    ['score (higher = more likely lapsed)', 'AUC: lapsed vs returned in the holdout'],
    [`churn risk (P(no purchase in the next ${split.holdoutDays} days), model)`, fmt(auc(c.map((x) => x.churnProbability), lapsed), 3)],
    ['churn risk with the default 90-day horizon', fmt(auc(c.map((x) => x.churnRisk90), lapsed), 3)],
    ['1 − P(alive)', fmt(auc(c.map((x) => -x.pAlive), lapsed), 3)],
    ['days since the last purchase', fmt(auc(c.map((x) => x.daysSinceLastPurchase), lapsed), 3)],
    ['the replaced churn score (recency vs median gap, 0–70)', fmt(auc(c.map((x) => x.previousScore), lapsed), 3)],
  ]));
  out('');
  out(`Calibration: predicted share buying again ${fmt(100 * predictedReturn, 1)}%, observed ${fmt(100 * observedReturn, 1)}%; Brier score ${fmt(brier, 4)}; expected purchase days in the holdout ${fmt(predictedPurchases)} against ${fmt(actualPurchases)} observed.`);
  const byDecile = [...c].sort((x, y) => x.churnProbability - y.churnProbability);
  const deciles: string[][] = [['churn-risk decile', 'customers', 'mean predicted P(no purchase)', 'observed share without a purchase']];
  for (let d = 0; d < 10; d++) {
    const part = byDecile.slice(Math.floor((d * byDecile.length) / 10), Math.floor(((d + 1) * byDecile.length) / 10));
    deciles.push([String(d + 1), fmt(part.length), fmt(part.reduce((s, x) => s + x.churnProbability, 0) / part.length, 3), fmt(part.filter((x) => !x.returned).length / part.length, 3)]);
  }
  out(table(deciles));

  // b. 100k customers.
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-analytics-bench-'));
  const events = new SqliteEventStore(join(dir, 'events.sqlite'));
  const readsFile = join(dir, 'read-models.sqlite');
  const reads = new SqliteReadStore(readsFile);
  try {
    let started = performance.now();
    const appended = await appendSimulated(events, CUSTOMERS);
    out('');
    out(`## b. ${fmt(CUSTOMERS)} simulated customers`);
    out(`Appended ${fmt(appended)} events in ${fmt((performance.now() - started) / 1000, 1)} s.`);
    const projected = await project(events, reads);
    out(`Projected them (every projection) in ${fmt(projected.seconds, 1)} s (${fmt(projected.events / projected.seconds)} events/s).`);

    // The snapshot: scan of every buyer's history + both fits, as the scheduled refit runs it.
    const snapshots = new PopulationSnapshots(reads, 'EUR', new FixedClock(NOW), { checkpointName: PROJECTOR_NAME });
    started = performance.now();
    const stored = await snapshots.refit();
    const refitMs = performance.now() - started;
    const snapshot = stored.snapshot;
    // The fit alone, on the same inputs.
    const docs = await reads.find<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, { orders: { gt: 0 } });
    const members = docs.map((d) => populationMemberOf(d, NOW, 'EUR')).filter((m): m is PopulationMember => m !== null);
    started = performance.now();
    const bg = fitBgNbd(members.map((m) => ({ x: m.model.repeatPurchaseDays, tx: m.model.recencyDays, T: m.model.ageDays })));
    const bgMs = performance.now() - started;
    started = performance.now();
    const both = buildPopulationSnapshot(members, { asOf: NOW, computedAt: NOW, currency: 'EUR' });
    const bothMs = performance.now() - started;
    out(table([
      ['step', 'time', 'detail'],
      ['population snapshot (scan + RFM cut points + BG/NBD + Gamma-Gamma + store)', `${fmt(refitMs / 1000, 2)} s`, `${fmt(snapshot.buyers)} buyers`],
      ['BG/NBD fit alone', `${fmt(bgMs / 1000, 2)} s`, `${bg.diagnostics.iterations} iterations, ${bg.diagnostics.evaluations} evaluations, converged ${bg.diagnostics.converged}; r ${fmt(bg.parameters.r, 3)} α ${fmt(bg.parameters.alpha, 2)} d a ${fmt(bg.parameters.a, 3)} b ${fmt(bg.parameters.b, 3)} (simulated from 0.3, 25, 0.8, 2.5)`],
      ['RFM cut points + both fits (no scan)', `${fmt(bothMs / 1000, 2)} s`, `Gamma-Gamma on ${fmt(both.gammaGamma?.diagnostics.customers ?? 0)} repeat spenders: p ${fmt(both.gammaGamma?.parameters.p ?? NaN, 2)} q ${fmt(both.gammaGamma?.parameters.q ?? NaN, 2)} v ${fmt(both.gammaGamma?.parameters.v ?? NaN)} (6, 4, 1500)`],
    ]));

    // Raw limits, same file, same ids: one document read through the read store and straight from SQLite.
    const ids = sampleIds(CUSTOMERS, REQUESTS, 5);
    const rawStore: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      await reads.get(CUSTOMER_ANALYTICS_COLLECTION, id);
      rawStore.push(performance.now() - t);
    }
    const db = new Database(readsFile, { readonly: true });
    const select = db.prepare('SELECT doc FROM rm_customerAnalytics WHERE id = ?');
    const rawSqlite: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      JSON.parse((select.get(id) as { doc: string }).doc);
      rawSqlite.push(performance.now() - t);
    }
    db.close();
    // In process: the query's own work (two reads + analyseCustomer), no HTTP.
    const settings = analyticsSettings(loadAnalyticsConfig({}));
    const inProcess: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      const doc = await reads.get<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, id);
      analyseCustomer(customerRecordOf(doc as CustomerAnalyticsDocument), await snapshots.current(), NOW, settings, 'EUR');
      inProcess.push(performance.now() - t);
    }
    await reads.close();
    await events.close();

    // Over HTTP on the built server, on the same files (projector caught up, background work off).
    const server = await startServer({
      DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS: `analyst=${ANALYST_KEY}`,
      LOYALTY_REACTOR: 'false', SEGMENTS_REACTOR: 'false', LOYALTY_SWEEP_INTERVAL_MS: '0', SEGMENTS_SWEEP_INTERVAL_MS: '0', ANALYTICS_REFIT_INTERVAL_MS: '0',
    });
    try {
      const headers = { Authorization: `Bearer ${ANALYST_KEY}` };
      for (const id of ids.slice(0, 200)) await http('GET', `${server.url}/v1/customers/${id}/analytics`, headers);
      const analytics: number[] = [];
      const view360: number[] = [];
      for (const id of ids) {
        let t = performance.now();
        const a = await http('GET', `${server.url}/v1/customers/${id}/analytics`, headers);
        analytics.push(performance.now() - t);
        if (a.status !== 200 || a.json.model === null) throw new Error(`analytics of ${id}: ${a.status} ${JSON.stringify(a.json).slice(0, 200)}`);
        t = performance.now();
        const v = await http('GET', `${server.url}/v1/customers/${id}`, headers);
        view360.push(performance.now() - t);
        if (v.status !== 200) throw new Error(`360 of ${id}: ${v.status}`);
      }
      const row = (name: string, samples: number[]) => {
        const s = summarise(samples);
        return [name, ms(s.p50), ms(s.p99), ms(s.max)];
      };
      out('');
      out(`Per-customer latency, ${fmt(REQUESTS)} random customers one after another (p99 target < 5 ms):`);
      out(table([
        ['what', 'p50', 'p99', 'max'],
        row('GET /v1/customers/:id/analytics over HTTP (built server)', analytics),
        row('GET /v1/customers/:id (360 view) over HTTP, same run', view360),
        row('in process: get + snapshot + analyseCustomer', inProcess),
        row('raw: ReadStore.get of the customerAnalytics document', rawStore),
        row('raw: better-sqlite3 SELECT + JSON.parse of it', rawSqlite),
      ]));
      out(`Server RSS after the run: ${fmt(server.rssBytes() / 2 ** 20)} MB.`);
    } finally {
      await server.stop();
    }
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'analytics-latest.md'), lines.join('\n') + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
