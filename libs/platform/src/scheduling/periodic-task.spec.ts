import { PeriodicTask } from './periodic-task';

// Jest's fake clock: the task's pauses end when the spec moves time on, never by waiting for it.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('PeriodicTask', () => {
  // Found from outside: every run waited an interval first (1 h for the loyalty expiry and tier
  // review, the segments' time sweep, the analytics refit), so a process restarted more often than
  // that never ran them: expired points stayed on balances, tiers past their review date stayed.
  it('runs the job at start, then every interval', async () => {
    let runs = 0;
    const task = new PeriodicTask(async () => void (runs += 1), 60_000);
    const stop = new AbortController();
    const running = task.run({ signal: stop.signal, ready: () => undefined });
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(59_999);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
    stop.abort();
    await running;
  });

  it('waits as long as the job says before its first run (an interval at most), and the interval after each', async () => {
    let runs = 0;
    const task = new PeriodicTask(async () => void (runs += 1), 100, { firstRunIn: async () => 50 });
    const stop = new AbortController();
    const running = task.run({ signal: stop.signal, ready: () => undefined });
    await jest.advanceTimersByTimeAsync(49);
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(99);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
    stop.abort();
    await running;

    // Said due later than an interval: an interval.
    let late = 0;
    const capped = new PeriodicTask(async () => void (late += 1), 100, { firstRunIn: async () => 10_000 });
    const stopCapped = new AbortController();
    const runningCapped = capped.run({ signal: stopCapped.signal, ready: () => undefined });
    await jest.advanceTimersByTimeAsync(100);
    expect(late).toBe(1);
    stopCapped.abort();
    await runningCapped;
  });

  it('runs the job again at once when the run after a failed one starts', async () => {
    let calls = 0;
    const task = new PeriodicTask(async () => {
      calls += 1;
      if (calls === 1) throw new Error('store down');
    }, 60_000, { firstRunIn: async () => 30_000 });
    const failed = task.run({ signal: new AbortController().signal, ready: () => undefined });
    const failure = expect(failed).rejects.toThrow('store down');
    await jest.advanceTimersByTimeAsync(30_000);
    await failure;
    const stop = new AbortController();
    const running = task.run({ signal: stop.signal, ready: () => undefined });
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
    stop.abort();
    await running;
  });
});
