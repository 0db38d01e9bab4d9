import { PeriodicTask } from './periodic-task';

/** Polls a condition (no fixed sleeps). */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('PeriodicTask', () => {
  // Found from outside: every run waited an interval first (1 h for the loyalty expiry and tier
  // review, the segments' time sweep, the analytics refit), so a process restarted more often than
  // that never ran them: expired points stayed on balances, tiers past their review date stayed.
  it('runs the job at start, then every interval', async () => {
    let runs = 0;
    const task = new PeriodicTask(async () => void (runs += 1), 60_000);
    const stop = new AbortController();
    const running = task.run({ signal: stop.signal, ready: () => undefined });
    await until(() => runs === 1);
    stop.abort();
    await running;
    expect(runs).toBe(1);
  });

  it('waits as long as the job says before its first run (an interval at most), and the interval after each', async () => {
    const started = Date.now();
    const at: number[] = [];
    const task = new PeriodicTask(async () => void at.push(Date.now() - started), 100, { firstRunIn: async () => 50 });
    const stop = new AbortController();
    const running = task.run({ signal: stop.signal, ready: () => undefined });
    await until(() => at.length === 2);
    stop.abort();
    await running;
    expect(at[0]).toBeGreaterThanOrEqual(45); // timers may fire a millisecond early by Date.now()
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(95);
  });

  it('runs the job again at once when the run after a failed one starts', async () => {
    let calls = 0;
    const task = new PeriodicTask(async () => {
      calls += 1;
      if (calls === 1) throw new Error('store down');
    }, 60_000, { firstRunIn: async () => 0 });
    await expect(task.run({ signal: new AbortController().signal, ready: () => undefined })).rejects.toThrow('store down');
    const stop = new AbortController();
    const running = task.run({ signal: stop.signal, ready: () => undefined });
    await until(() => calls === 2);
    stop.abort();
    await running;
  });
});
