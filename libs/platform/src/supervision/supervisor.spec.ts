import { metricsRegistry } from '../observability/metrics-registry';
import type { LeaseStore } from './lease';
import { PipelineWaitError, Supervisor, type PipelineRun, type PipelineWork } from './supervisor';

/** A work whose every run the test drives: it records runs and can fail or end a run on demand. */
class ScriptedWork implements PipelineWork {
  readonly runs: { signal: AbortSignal; fail(error: Error): void; end(): void }[] = [];
  private waiters: (() => void)[] = [];

  constructor(private readonly readyOnStart = true) {}

  run({ signal, ready }: PipelineRun): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.runs.push({ signal, fail: reject, end: resolve });
      signal.addEventListener('abort', () => resolve(), { once: true });
      if (this.readyOnStart) ready();
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves once the n-th run (1-based) has started. */
  async started(n: number): Promise<void> {
    while (this.runs.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/** Polls a condition (no fixed sleeps): for states the supervisor reaches on its own timers. */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A lease store in memory with a controllable clock, to test the supervisor's use of leases. */
class MemoryLeases implements LeaseStore {
  now = 0;
  private readonly held = new Map<string, { holder: string; expiresAt: number }>();

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const current = this.held.get(name);
    if (current && current.holder !== holder && current.expiresAt > this.now) return false;
    this.held.set(name, { holder, expiresAt: this.now + ttlMs });
    return true;
  }

  async release(name: string, holder: string): Promise<void> {
    if (this.held.get(name)?.holder === holder) this.held.delete(name);
  }

  holderOf(name: string): string | undefined {
    return this.held.get(name)?.holder;
  }
}

describe('Supervisor', () => {
  const supervisors: Supervisor[] = [];
  const supervisor = (holder?: string): Supervisor => {
    const created = new Supervisor(holder);
    supervisors.push(created);
    return created;
  };

  afterEach(async () => {
    for (const created of supervisors.splice(0)) await created.stopAll();
  });

  it('runs a pipeline, reports it running, and on stop aborts the run and waits for it', async () => {
    const work = new ScriptedWork();
    const s = supervisor();
    await s.run({ name: 'p', work });
    expect(s.state('p')).toBe('running');
    const [status] = await s.statuses();
    expect(status).toMatchObject({ name: 'p', state: 'running', restarts: 0, consecutiveFailures: 0 });

    await s.stop('p');
    expect(work.runs[0]?.signal.aborted).toBe(true);
    expect(s.state('p')).toBeUndefined();
  });

  it('restarts a failed run after a backoff, recording the error and the restart, then reports it running again', async () => {
    const work = new ScriptedWork();
    const s = supervisor();
    await s.run({ name: 'relay', work, retry: { initialDelayMs: 1, maxDelayMs: 2, healthyAfterMs: 5 } });
    work.runs[0]?.fail(new Error('broker unreachable'));

    await work.started(2);
    await until(() => s.state('relay') === 'running');
    // The failure counts until the new run has stayed up for healthyAfterMs.
    await until(async () => (await s.statuses())[0]?.consecutiveFailures === 0);
    const [status] = await s.statuses();
    expect(status).toMatchObject({ state: 'running', restarts: 1, consecutiveFailures: 0, lastError: { message: 'broker unreachable' } });
    expect(await metricsRegistry.getSingleMetricAsString('chronicle_pipeline_restarts_total')).toContain('chronicle_pipeline_restarts_total{pipeline="relay"} 1');
  });

  // Found from outside: a segments reactor that failed on the same event right after every restart
  // said ready each time, which reset its count, so it stayed `retrying` with 1 failure through 357
  // restarts (every 0.5 s) and readiness stayed up while nothing was processed any more.
  it('reaches failed when every run fails right after it said ready (the same bad event after each restart), backing off longer each time', async () => {
    const work = new ScriptedWork();
    const s = supervisor();
    await s.run({ name: 'reactor', work, retry: { initialDelayMs: 40, maxDelayMs: 10_000, failedAfter: 3, healthyAfterMs: 60_000 } });
    for (let n = 1; n <= 3; n++) {
      await work.started(n);
      expect((await s.statuses())[0]).toMatchObject({ state: 'running', consecutiveFailures: n - 1 });
      work.runs[n - 1]?.fail(new Error('bad event'));
      await until(() => s.state('reactor') !== 'running');
    }
    // Three in a row: failed (readiness down) while the next restart waits, 4 × 40 ms at the most.
    expect((await s.statuses())[0]).toMatchObject({ state: 'failed', consecutiveFailures: 3, restarts: 3, lastError: { message: 'bad event' } });
  });

  // Found from outside: the segments reactor waiting for a slow projector reached failed, and the
  // worker's readiness flapped 503 for minutes.
  it('retries a run that stopped to wait for another part (PipelineWaitError) after the first delay, and never counts it as a failure', async () => {
    const work = new ScriptedWork();
    const s = supervisor();
    await s.run({ name: 'segments', work, retry: { initialDelayMs: 1, maxDelayMs: 60_000, failedAfter: 2, healthyAfterMs: 60_000 } });
    for (let n = 1; n <= 5; n++) {
      await work.started(n);
      work.runs[n - 1]?.fail(new PipelineWaitError('Read models did not reach position 9 in time'));
    }
    await work.started(6);
    expect((await s.statuses())[0]).toMatchObject({ state: 'running', consecutiveFailures: 0, restarts: 5, lastError: { message: 'Read models did not reach position 9 in time' } });
    // A real failure still counts.
    work.runs[5]?.fail(new Error('bad event'));
    await work.started(7);
    expect((await s.statuses())[0]).toMatchObject({ consecutiveFailures: 1 });
  });

  it('counts the failures before as in a row until the new run stayed up for healthyAfterMs', async () => {
    const work = new ScriptedWork();
    const s = supervisor();
    await s.run({ name: 'projector', work, retry: { initialDelayMs: 1, maxDelayMs: 2, failedAfter: 1, healthyAfterMs: 200 } });
    work.runs[0]?.fail(new Error('read store down'));
    await work.started(2);
    await until(() => s.state('projector') === 'running');
    expect((await s.statuses())[0]).toMatchObject({ consecutiveFailures: 1 });
    await until(async () => (await s.statuses())[0]?.consecutiveFailures === 0);
    expect((await s.statuses())[0]).toMatchObject({ state: 'running', restarts: 1 });
  });

  it('says retrying while a restart is pending, and failed after repeated failures (still retrying)', async () => {
    const work = new ScriptedWork(false); // never ready: every run fails before it is up
    const s = supervisor();
    const started = s.run({ name: 'projector', work, retry: { initialDelayMs: 60_000, maxDelayMs: 60_000, failedAfter: 1 } });
    await work.started(1);
    work.runs[0]?.fail(new Error('read store down'));
    // start() resolves after the first failed attempt: a process boots even while its broker is down.
    await started;
    expect(s.state('projector')).toBe('failed');
    expect((await s.statuses())[0]).toMatchObject({ consecutiveFailures: 1, lastError: { message: 'read store down' } });
  });

  it('counts a run that ends by itself (no failure, not stopped) as a failure: a loop must not die quietly', async () => {
    const work = new ScriptedWork();
    const s = supervisor();
    await s.run({ name: 'sweep', work, retry: { initialDelayMs: 1, maxDelayMs: 1 } });
    work.runs[0]?.end();
    await work.started(2);
    expect((await s.statuses())[0]?.lastError?.message).toMatch(/ended by itself/);
  });

  it('asks the work for its lag while it runs', async () => {
    const work = Object.assign(new ScriptedWork(), { lag: async () => ({ events: 42, seconds: 3.5 }) });
    const s = supervisor();
    await s.run({ name: 'lagging', work });
    expect((await s.statuses())[0]?.lag).toEqual({ events: 42, seconds: 3.5 });
    const scraped = await metricsRegistry.getSingleMetricAsString('chronicle_pipeline_lag_events');
    expect(scraped).toContain('chronicle_pipeline_lag_events{pipeline="lagging"} 42');
  });

  it('leaves the lag out when the work takes over a second to tell it, so a status (readiness) answers while an engine is down (found from outside: readiness hung with the broker)', async () => {
    const work = Object.assign(new ScriptedWork(), { lag: () => new Promise<never>(() => undefined) });
    const s = supervisor();
    await s.run({ name: 'stuck', work });
    jest.useFakeTimers();
    try {
      const statuses = s.statuses();
      await jest.advanceTimersByTimeAsync(1_000);
      const [status] = await statuses;
      expect({ state: status?.state, lag: status?.lag }).toEqual({ state: 'running', lag: undefined });
    } finally {
      jest.useRealTimers();
    }
  });

  it('lists the alerts the work raises in its status and counts them in /metrics, none when there are none', async () => {
    let alerts: { code: string; message: string; count: number }[] = [];
    const work = Object.assign(new ScriptedWork(), { alerts: () => alerts });
    const s = supervisor();
    await s.run({ name: 'alerting', work });
    expect((await s.statuses())[0]).not.toHaveProperty('alerts');
    alerts = [{ code: 'dead-lettered', message: '2 events set aside', count: 2 }];
    expect((await s.statuses())[0]).toMatchObject({ state: 'running', alerts });
    const scraped = await metricsRegistry.getSingleMetricAsString('chronicle_pipeline_alerts');
    expect(scraped).toContain('chronicle_pipeline_alerts{pipeline="alerting",alert="dead-lettered"} 2');
  });

  describe('single instance across processes (a lease)', () => {
    it('runs the pipeline in one process only; the other waits in standby and takes over when the holder stops', async () => {
      const leases = new MemoryLeases();
      const [a, b] = [new ScriptedWork(), new ScriptedWork()];
      const first = supervisor('process-a');
      const second = supervisor('process-b');
      await first.run({ name: 'loyalty-reactor', work: a, singleInstance: { leases, ttlMs: 30 } });
      await second.run({ name: 'loyalty-reactor', work: b, singleInstance: { leases, ttlMs: 30 } });

      expect(first.state('loyalty-reactor')).toBe('running');
      expect(second.state('loyalty-reactor')).toBe('standby');
      expect(b.runs).toHaveLength(0);
      expect((await second.statuses())[0]?.leaseHeld).toBe(false);

      await first.stop('loyalty-reactor'); // releases the lease
      await b.started(1);
      await until(() => second.state('loyalty-reactor') === 'running');
      expect(leases.holderOf('loyalty-reactor')).toBe('process-b');
    });

    it('stops its run as soon as it loses the lease (another process took it after an expiry)', async () => {
      const leases = new MemoryLeases();
      const work = new ScriptedWork();
      const s = supervisor('process-a');
      await s.run({ name: 'sweep', work, singleInstance: { leases, ttlMs: 30 } });
      // process-a stops renewing in time (a long GC pause): the lease expires and process-b takes it.
      leases.now += 1_000;
      expect(await leases.acquire('sweep', 'process-b', 60_000)).toBe(true);
      await until(() => work.runs[0]?.signal.aborted === true);
      await until(() => s.state('sweep') === 'standby');
    });
  });
});
