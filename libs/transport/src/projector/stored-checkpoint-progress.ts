// How far a projector running in another process (the `projector` role on the same read store) has
// followed the global log, for read-your-writes in this one: the checkpoint it stores in the same
// write as its documents says every read model holds the log up to it. One read of that checkpoint
// every few milliseconds serves every query waiting for a position, where each query used to poll
// its own documents with a backoff (up to 100 ms apart).
import type { ReadStore } from '@app/read-store';
import { PositionWaiters } from './position-waiters';

export class StoredCheckpointProgress {
  private readonly waiters = new PositionWaiters();
  private poll: NodeJS.Timeout | undefined;

  /**
   * `name`: the projector's checkpoint (it follows the global log: a Kafka-fed projector's position
   * is no global one, so this is for the embedded transport only). `pollMs`: how often it is read
   * while a query waits.
   */
  constructor(
    private readonly store: Pick<ReadStore, 'getCheckpoint'>,
    private readonly name: string,
    private readonly pollMs = 5,
  ) {}

  /** Resolves true once the stored checkpoint is at `position` or past it (as last read), false after `timeoutMs`. */
  waitForPosition(position: number, timeoutMs: number): Promise<boolean> {
    const waiting = this.waiters.wait(position, timeoutMs);
    this.schedule();
    return waiting;
  }

  private schedule(): void {
    if (this.poll || this.waiters.pending === 0) return;
    this.poll = setTimeout(() => void this.check(), this.pollMs);
    // Polling must not keep the process alive.
    this.poll.unref();
  }

  private async check(): Promise<void> {
    try {
      // A read store that cannot answer now leaves the waiters to their timeout (and the query to its own check).
      const checkpoint = await this.store.getCheckpoint(this.name).catch(() => null);
      if (checkpoint === null) return;
      // Lower than last read: the store moved to another read-model generation (a blue/green rebuild).
      if (checkpoint < this.waiters.position) this.waiters.reset(checkpoint);
      this.waiters.advance(checkpoint);
    } finally {
      this.poll = undefined;
      this.schedule();
    }
  }
}
