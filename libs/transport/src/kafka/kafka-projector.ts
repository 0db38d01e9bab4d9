// Projector fed by Kafka: a consumer group over the event topic hands each partition batch to the
// projector runner, and commits the offsets only after the read store took the write: each handler
// its own partition's, up to the last message written (never kafkajs' mark for a whole batch).
//
// Delivery is at least once. A crash or a rebalance between the read-store write and the offset
// commit hands the same events to the next owner of the partition; the runner skips events a
// document already has (by lastPosition), so the redelivery changes nothing. Per-customer order
// holds because the relay keys messages by customer id (a segment's definition events by their
// stream): all of a customer's events sit on one partition, and one partition has one consumer at a
// time. Messages are CloudEvents (kafka-message.ts); decoding rebuilds the stored envelope.
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, OffsetsByTopicPartition } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import type { Checkpoint } from '@app/read-store';
import { aborted, type PipelineLag, type PipelineRun, type PipelineWork } from '@app/platform/supervision/supervisor';
import { DEFAULT_EVENTS_TOPIC, decodeEventMessage, watermarkOf } from './kafka-message';
import { committedOffsets } from './topic-admin';

/** What the projector needs from the projector runner (ProjectorRunner satisfies it). */
export interface ProjectorBatchSink {
  /**
   * Applies events idempotently and returns once the read store holds the result, with the
   * checkpoints `alongside` (a partition's watermark) stored in the same write.
   */
  applyBatch(events: RecordedEvent[], alongside?: readonly Checkpoint[]): Promise<unknown>;
  /**
   * Called before the next batch after one failed: kafkajs retries by fetching every partition again
   * from its last resolved offset, so whatever was not written comes again and the sink may take
   * batches again (ProjectorRunner.recover). Without it, a failed sink stays failed until the
   * consumer is restarted.
   */
  recover?(): Promise<void>;
}

/** Where a partition's watermark goes once its events are applied (PartitionWatermarks stores it in the read store). */
export interface PartitionWatermarkSink {
  /** Every event of `partition` up to `position` is applied; `partitions`: the topic's count from a watermark record, 0 without one. */
  record(partition: number, position: number, partitions: number): Promise<void>;
  /**
   * The same as checkpoints, for the batch's own write to store with its events (one commit, not
   * two); `stored` once it did. Without it, `record` follows the write.
   */
  checkpoints?(partition: number, position: number, partitions: number): Promise<{ readonly checkpoints: readonly Checkpoint[]; stored(): void }>;
}

export interface KafkaProjectorOptions {
  readonly groupId: string;
  readonly topic?: string;
  /**
   * Most events per runner call; a longer fetched batch is split, with a heartbeat between parts
   * (default 2,000). Larger writes merge more of a customer's events into one document write.
   */
  readonly maxEventsPerWrite?: number;
  /**
   * How many partitions' batches are handed to the sink at once (kafkajs' partitionsConsumedConcurrently,
   * default 1). Each partition still has one batch at a time, in offset order, and its offsets are
   * committed once its own batch is in the read store. A sink that prepares one batch while it writes
   * another (ProjectorRunner) overlaps the two only when more than one is in flight.
   */
  readonly partitionsInFlight?: number;
  /** Most bytes one fetch brings per partition (default 4 MiB: a full write of events as the relay sends them). */
  readonly maxBytesPerPartition?: number;
  /** Group liveness, in ms. Defaults are kafkajs' (30 s session, 60 s rebalance, 3 s heartbeat). */
  readonly sessionTimeout?: number;
  readonly rebalanceTimeout?: number;
  readonly heartbeatInterval?: number;
  /** Upper bound for a fetch to wait for new data, in ms (kafkajs default 5000). */
  readonly maxWaitTimeInMs?: number;
  /**
   * Where each partition's watermark goes once its events are applied (the highest global position
   * below which the partition holds nothing unapplied, from its events and the relay's watermark
   * records), so readers can tell how far every read model got across partitions.
   */
  readonly watermarks?: PartitionWatermarkSink;
}

export interface AppliedBatch {
  readonly partition: number;
  readonly events: readonly RecordedEvent[];
  /** Kafka offsets of the first and last message applied. */
  readonly firstOffset: string;
  readonly lastOffset: string;
}

/** Called after the read store took a batch, before its offsets are committed. */
export type AppliedListener = (batch: AppliedBatch) => void;

// Measured with bench/kafka-catchup.bench.ts (bench/README.md): 2,000 events per write take a
// catch-up from 4.25 to 3.72 document writes per event (5,000: 3.36, but a synchronous SQLite write
// that long would hold a process that also serves queries for seconds). kafkajs' 1 MiB per
// partition and 10 MiB per fetch would cut a batch at ~1,400 events of ~700 bytes.
const DEFAULT_EVENTS_PER_WRITE = 2_000;
const DEFAULT_MAX_BYTES_PER_PARTITION = 4 * 1024 * 1024;
const MAX_BYTES_PER_FETCH = 32 * 1024 * 1024;
const KAFKAJS_DEFAULT_HEARTBEAT_MS = 3_000;

export class KafkaProjector implements PipelineWork {
  private readonly topic: string;
  private consumer: Consumer | undefined;
  private readonly listeners = new Set<AppliedListener>();
  private appliedCount = 0;
  private assignment: number[] = [];
  private killed = false;
  private crashError: Error | undefined;
  private onCrash: ((error: Error) => void) | undefined;
  private lagAdmin: Admin | undefined;
  private lastAppliedRecordedAt: string | undefined;
  /** A batch failed in the sink since it last recovered. */
  private sinkFailed = false;

  constructor(
    private readonly sink: ProjectorBatchSink,
    private readonly kafka: Kafka,
    private readonly options: KafkaProjectorOptions,
  ) {
    this.topic = options.topic ?? DEFAULT_EVENTS_TOPIC;
  }

  /**
   * One supervised run: join the group and consume until aborted. Rejects when the consumer crashed
   * (kafkajs does not restart it itself here): the supervisor starts a new consumer after a backoff,
   * which resumes from the committed offsets.
   */
  async run({ signal, ready }: PipelineRun): Promise<void> {
    const crashed = new Promise<never>((_, reject) => {
      this.onCrash = reject;
    });
    crashed.catch(() => undefined);
    await this.start();
    ready();
    try {
      await Promise.race([crashed, aborted(signal)]);
    } finally {
      this.onCrash = undefined;
      await this.stop().catch(() => undefined);
    }
  }

  /** Messages of the topic not yet committed by the group, and how stale the read models are. */
  async lag(): Promise<PipelineLag | undefined> {
    if (!this.consumer) return undefined;
    if (!this.lagAdmin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.lagAdmin = admin;
    }
    const [ends, committed] = await Promise.all([
      this.lagAdmin.fetchTopicOffsets(this.topic),
      // No longer than the supervisor waits for a lag (it leaves it out then and asks at its next look).
      committedOffsets(this.lagAdmin, this.options.groupId, this.topic, 1_000),
    ]);
    const done = new Map(committed.map((p) => [p.partition, Number(p.offset)]));
    let events = 0;
    for (const end of ends) {
      const at = done.get(end.partition) ?? -1;
      // -1: nothing committed yet, so everything from the partition's low watermark waits.
      events += Math.max(0, Number(end.high) - (at < 0 ? Number(end.low) : at));
    }
    // An upper bound on the oldest waiting event's age: it was recorded after the last one applied.
    const seconds = events === 0 || !this.lastAppliedRecordedAt ? 0 : Math.max(0, (Date.now() - Date.parse(this.lastAppliedRecordedAt)) / 1000);
    return { events, seconds };
  }

  /**
   * Joins the group and starts consuming. Resolves once the consumer runs; the group join and the
   * partition assignment follow asynchronously (see `assignedPartitions`).
   */
  async start(): Promise<void> {
    if (this.consumer) throw new Error(`Projector in group ${this.options.groupId} is already running`);
    this.killed = false;
    this.crashError = undefined;
    this.sinkFailed = false;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeout,
      rebalanceTimeout: this.options.rebalanceTimeout,
      heartbeatInterval: this.options.heartbeatInterval,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? DEFAULT_MAX_BYTES_PER_PARTITION,
      maxBytes: MAX_BYTES_PER_FETCH,
      allowAutoTopicCreation: false,
      // A crash ends the run and the supervisor starts a new consumer: one restart policy, visible in health.
      retry: { restartOnFailure: async () => false },
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.assignment = [...(event.payload.memberAssignment[this.topic] ?? [])].sort((a, b) => a - b);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      // kafkajs does not restart this consumer itself (restartOnFailure); the supervisor does.
      this.crashError = event.payload.error;
      this.onCrash?.(event.payload.error);
    });
    await consumer.connect();
    try {
      // A new group starts at the beginning: a read model built from the middle of the log is wrong.
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        // kafkajs would otherwise mark a whole batch processed when eachBatch returns, also when it
        // returns early (stopping, the partition revoked) with part of the batch never applied, and
        // the next commit stores that mark: the rest is lost to whoever owns the partition next.
        // Only resolveOffset after a write marks anything.
        eachBatchAutoResolve: false,
        // kafkajs hands a partition one batch at a time, so the runner's writes for it stay in offset order.
        partitionsConsumedConcurrently: Math.max(1, Math.floor(this.options.partitionsInFlight ?? 1)),
        eachBatch: (payload) => this.handleBatch(payload),
      });
    } catch (error) {
      await consumer.disconnect();
      throw error;
    }
    this.consumer = consumer;
  }

  /** Leaves the group cleanly: the batch in flight finishes (write, then commit) before it disconnects. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.assignment = [];
    const admin = this.lagAdmin;
    this.lagAdmin = undefined;
    await admin?.disconnect().catch(() => undefined);
    if (consumer) await consumer.disconnect();
  }

  /**
   * Leaves as a crash would: from now on nothing is committed, so events already written to the
   * read store but not yet committed are delivered again to whoever takes the partitions over.
   * May be called from an applied listener to cut in right after a write.
   */
  async kill(): Promise<void> {
    this.killed = true;
    await this.stop();
  }

  /** Events applied to the read store by this instance (redeliveries included). */
  get applied(): number {
    return this.appliedCount;
  }

  /** Partitions of the topic this member holds since its last group join (empty before it joined). */
  get assignedPartitions(): readonly number[] {
    return this.assignment;
  }

  /** The error that stopped the consumer for good, if kafkajs gave up on restarting it. */
  get failure(): Error | undefined {
    return this.crashError;
  }

  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const size = this.options.maxEventsPerWrite ?? DEFAULT_EVENTS_PER_WRITE;
    for (let start = 0; start < batch.messages.length; start += size) {
      // After a rebalance took the partition away or a seek, the rest belongs to someone else.
      if (this.killed || !payload.isRunning() || payload.isStale()) return;
      const messages: KafkaMessage[] = batch.messages.slice(start, start + size);
      // The relay's watermark records are no events; they and the events both say how far this partition got.
      const events: RecordedEvent[] = [];
      let reached = 0;
      let partitions = 0;
      for (const message of messages) {
        const watermark = watermarkOf(message);
        if (watermark) {
          reached = Math.max(reached, watermark.position);
          partitions = Math.max(partitions, watermark.partitions);
          continue;
        }
        const event = decodeEventMessage(message);
        events.push(event);
        reached = Math.max(reached, event.position);
      }
      // The watermark is stored once the events are in the read store (a reader that sees it finds
      // them there): in the same write where the sink can, else right after it.
      const watermarks = this.options.watermarks;
      const alongside = watermarks?.checkpoints && events.length > 0 && reached > 0 ? await watermarks.checkpoints(batch.partition, reached, partitions) : undefined;
      if (events.length > 0) {
        if (this.sinkFailed && this.sink.recover) {
          this.sinkFailed = false;
          await this.sink.recover();
        }
        try {
          await this.whileHeartbeating(payload, () => this.sink.applyBatch(events, alongside?.checkpoints));
        } catch (error) {
          // kafkajs retries (the consumer's retry settings) by fetching every partition again; the sink recovers first.
          this.sinkFailed = true;
          throw error;
        }
        alongside?.stored();
        this.appliedCount += events.length;
        this.lastAppliedRecordedAt = events[events.length - 1].recordedAt;
      }
      if (watermarks && !alongside && reached > 0) await watermarks.record(batch.partition, reached, partitions);
      const lastOffset = messages[messages.length - 1].offset;
      if (events.length > 0) {
        const applied: AppliedBatch = { partition: batch.partition, events, firstOffset: messages[0].offset, lastOffset };
        for (const listener of this.listeners) listener(applied);
      }
      if (this.killed) return;
      payload.resolveOffset(lastOffset);
      // With autoCommit off, commitOffsetsIfNecessary() without arguments never commits (it only
      // checks the auto-commit interval/threshold); handing it the resolved offset commits it now.
      // This partition's only: uncommittedOffsets() spans every partition of the consumer, and each
      // handler commits what it applied itself.
      await payload.commitOffsetsIfNecessary(ownOffsets(payload.uncommittedOffsets(), batch.topic, batch.partition));
      await payload.heartbeat();
    }
  }

  /**
   * Keeps the group membership alive while a slow read-store write runs, so a long write is not
   * mistaken for a dead member. A heartbeat that reports a rebalance is left to the heartbeat
   * after the write, which makes kafkajs rejoin; the uncommitted events are then redelivered.
   */
  private async whileHeartbeating<T>(payload: EachBatchPayload, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      payload.heartbeat().catch(() => undefined);
    }, this.options.heartbeatInterval ?? KAFKAJS_DEFAULT_HEARTBEAT_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }
}

/**
 * The resolved offset of one partition out of kafkajs' uncommitted offsets (all the consumer's
 * partitions). kafkajs 2.2 lists partitions by its map's keys: strings, whatever its types say.
 */
function ownOffsets(uncommitted: OffsetsByTopicPartition, topic: string, partition: number): OffsetsByTopicPartition {
  return {
    topics: uncommitted.topics
      .filter((entry) => entry.topic === topic)
      .map((entry) => ({ topic, partitions: entry.partitions.filter((p) => Number(p.partition) === partition) }))
      .filter((entry) => entry.partitions.length > 0),
  };
}
