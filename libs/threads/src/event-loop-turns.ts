// A batch of 1,000 items is ~30–50 ms of synchronous work (validation, deciding, sealing personal
// values): done in one go, every read that arrives meanwhile waits for all of it (issue 13: reads
// never queue behind writes). Long loops give the event loop a turn whenever they have run for
// TURN_MS, so a read waits one slice.
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Longest a batch loop runs before letting queued I/O (a read) through, in ms. */
export const TURN_MS = 2;

/**
 * The thread's current run of synchronous work, for loops that run many at once (each entry of a
 * batch sealed by its own call, all in one chain of promise callbacks): the run started at the first
 * `shareTurn` since the event loop last reached its check phase, whichever loop called it, or when a
 * turn it gave resumed its callers.
 */
let runStartedAt: number | undefined;
const runEnded = (): void => {
  runStartedAt = undefined;
};

/**
 * Undefined (go on) while the thread's current run is shorter than `turnMs`; past it, a promise that
 * resolves on the next turn of the event loop, after the I/O queued meanwhile, with a new run started
 * for the callers it resumes. Costs a clock reading when there is nothing to yield, so it can sit in
 * per-item loops that also serve single requests.
 */
export function shareTurn(turnMs: number = TURN_MS): Promise<void> | undefined {
  const now = performance.now();
  if (runStartedAt === undefined) {
    startRun(now);
    return undefined;
  }
  return now - runStartedAt < turnMs ? undefined : nextTurn().then(resumed);
}

function startRun(at: number): void {
  runStartedAt = at;
  setImmediate(runEnded);
}

/** What a turn resumes is the start of a run (the first of its callers to resume starts it). */
function resumed(): void {
  if (runStartedAt === undefined) startRun(performance.now());
}
