// A batch of 1,000 items is ~30–50 ms of synchronous work (validation, deciding): done in one go, every
// read that arrives meanwhile waits for all of it (issue 13: reads never queue behind writes). Long
// loops give the event loop a turn whenever they have run for TURN_MS, so a read waits one slice.
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Longest a batch loop runs before letting queued I/O (a read) through, in ms. */
export const TURN_MS = 2;

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
