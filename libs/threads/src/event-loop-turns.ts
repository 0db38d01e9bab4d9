// A batch of 1,000 items is ~30–50 ms of synchronous work (validation, deciding, sealing personal
// values): done in one go, every read that arrives meanwhile waits for all of it (issue 13: reads
// never queue behind writes). Long loops give the event loop a turn whenever they have run for
// TURN_MS, so a read waits one slice.
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Longest a batch loop runs before letting queued I/O (a read) through, in ms. */
export const TURN_MS = 2;

/** One loop's slices: counted from the loop's own start and from each turn it gave. */
export class EventLoopTurns {
  private since = performance.now();

  constructor(private readonly turnMs: number = TURN_MS) {}

  /** Resolves at once while the current slice is short; after TURN_MS, on the next turn of the event loop. */
  async maybeYield(): Promise<void> {
    if (performance.now() - this.since < this.turnMs) return;
    await nextTurn();
    this.since = performance.now();
  }
}

/**
 * The thread's current run of synchronous work, for loops that run many at once (each entry of a
 * batch sealed by its own call, all in one chain of promise callbacks): the run started at the first
 * `shareTurn` since the event loop last reached its check phase, whichever loop called it.
 */
let runStartedAt: number | undefined;
const runEnded = (): void => {
  runStartedAt = undefined;
};

/**
 * Undefined (go on) while the thread's current run is shorter than `turnMs`; past it, a promise that
 * resolves on the next turn of the event loop, after the I/O queued meanwhile. Costs a clock reading
 * when there is nothing to yield, so it can sit in per-item loops that also serve single requests.
 */
export function shareTurn(turnMs: number = TURN_MS): Promise<void> | undefined {
  const now = performance.now();
  if (runStartedAt === undefined) {
    runStartedAt = now;
    setImmediate(runEnded);
    return undefined;
  }
  return now - runStartedAt < turnMs ? undefined : nextTurn();
}
