// How far a Kafka-fed projector got along the global log. It applies partitions apart, so the highest
// position applied says nothing about a lower one in a partition that lags (or one no consumer has
// started yet). Each partition's watermark does: the highest position below which the partition holds
// nothing unapplied, known from its own events (one at position x comes after every event of its
// partition below x) and from the relay's watermark records (kafka-message.ts), which reach idle
// partitions too. The least of them over every partition of the topic is a global watermark: every
// position up to it is in the read models. They live in the read store as checkpoints, so any process
// reading the read models (a query API apart from the projectors) can tell, whichever projector
// instance holds which partition.
import type { Checkpoint, ReadStore } from '@app/read-store';

export class PartitionWatermarks {
  /** The partition count this instance has stored, and each partition's watermark it stored last. */
  private partitionsStored = 0;
  private readonly stored = new Map<number, number>();

  /** `name`: the projector's checkpoint name; the watermarks are checkpoints named after it. */
  constructor(
    private readonly store: Pick<ReadStore, 'applyBatch' | 'getCheckpoint' | 'listCheckpoints'>,
    private readonly name: string,
  ) {}

  /**
   * Records that every event of `partition` up to `position` is applied (called after the read store
   * took them) and, from a watermark record (0 without one), that the topic has `partitions`
   * partitions. Until a watermark record told the count, the global watermark stays 0: the partitions
   * seen so far are not all there are. A lower value written by another instance (a redelivery after
   * a rebalance) is still true, only less informative.
   */
  async record(partition: number, position: number, partitions: number): Promise<void> {
    const due = await this.checkpoints(partition, position, partitions);
    // Nothing to write still counts: a count another instance stored is not read again.
    if (due.checkpoints.length > 0) await this.store.applyBatch([], due.checkpoints);
    due.stored();
  }

  /**
   * What `record` would store, as checkpoints for the batch's own write to store with its events
   * (ProjectorRunner's `alongside`: one commit instead of two, never visible before the events);
   * `stored` once that write succeeded. Nothing for what this instance stored already.
   */
  async checkpoints(partition: number, position: number, partitions: number): Promise<{ readonly checkpoints: readonly Checkpoint[]; stored(): void }> {
    const checkpoints: Checkpoint[] = [];
    const count = partitions > 0 ? Math.max(partitions, partition + 1) : 0;
    let counted = this.partitionsStored;
    if (count > this.partitionsStored) {
      // Never lowered: partitions a lower count leaves out would be left out of the minimum.
      const known = (await this.store.getCheckpoint(this.partitionsName)) ?? 0;
      if (count > known) checkpoints.push({ name: this.partitionsName, position: count });
      counted = Math.max(count, known);
    }
    const higher = (this.stored.get(partition) ?? 0) < position;
    if (higher) checkpoints.push({ name: this.partitionName(partition), position });
    return {
      checkpoints,
      stored: () => {
        this.partitionsStored = Math.max(this.partitionsStored, counted);
        if (higher) this.stored.set(partition, Math.max(this.stored.get(partition) ?? 0, position));
      },
    };
  }

  /**
   * The global watermark: every position up to it is applied in the read models; 0 while nothing can
   * be said. One read of the checkpoints (a handful of rows), however many partitions.
   */
  async read(): Promise<number> {
    const stored = new Map((await this.store.listCheckpoints()).map((checkpoint) => [checkpoint.name, checkpoint.position]));
    const partitions = stored.get(this.partitionsName) ?? 0;
    let least = partitions === 0 ? 0 : Infinity;
    for (let partition = 0; partition < partitions; partition++) least = Math.min(least, stored.get(this.partitionName(partition)) ?? 0);
    return least;
  }

  private get partitionsName(): string {
    return `${this.name}@partitions`;
  }

  private partitionName(partition: number): string {
    return `${this.name}@partition-${partition}`;
  }
}
