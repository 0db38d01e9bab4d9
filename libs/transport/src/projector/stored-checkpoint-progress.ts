// How far the read models got along the global log, as the read store says, for read-your-writes in a
// process whose projector (if any) cannot say it: with the embedded transport, the checkpoint a
// projector in another process stores in the same write as its documents; with Kafka, the applied
// watermark over the partitions (PartitionWatermarks). One read every few milliseconds serves every
// query waiting for a position, where each query used to poll its own documents with a backoff (up to
// 100 ms apart).
import { PositionWaiters } from './position-waiters';

export class StoredCheckpointProgress {
  private readonly waiters = new PositionWaiters();
  private poll: NodeJS.Timeout | undefined;

  /**
   * `read`: how far the read models got, as stored (the embedded projector's checkpoint: it follows
   * the global log; with Kafka, the applied watermark over the partitions, PartitionWatermarks), null
   * while nothing is. `pollMs`: how often it is read while a query waits.
   */
  constructor(
    private readonly read: () => Promise<number | null>,
    private readonly pollMs = 5,
    /** ProjectionProgress.heldByAnyPartition: true for the applied watermark over Kafka partitions. */
    readonly heldByAnyPartition = false,
  ) {}

  /**
   * Resolves true once the stored checkpoint is at `position` or past it (as last read), false after
   * `timeoutMs` or once `signal` aborts (the query got its answer otherwise: it stops counting as waiting).
   */
  waitForPosition(position: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const waiting = this.waiters.wait(position, timeoutMs, signal);
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
      const checkpoint = await this.read().catch(() => null);
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
