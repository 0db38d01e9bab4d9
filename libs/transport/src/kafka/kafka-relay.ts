// Relay: event store -> Kafka. Follows the global log from its own checkpoint and publishes every
// event to the event topic (format in kafka-message.ts), keyed by customer so each customer's
// events stay in order on one partition.
//
// Delivery: at least once, with no duplicates in normal operation. The producer is idempotent
// (the broker drops a retried batch it already has), and the checkpoint moves only after the
// broker acknowledged a batch (acks = all in-sync replicas). Only a crash between that ack and
// the checkpoint write republishes the last batch; consumers apply by global position, so such
// a copy is a no-op for them.
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore, Subscription } from '@app/event-store';
import { aborted, type PipelineLag, type PipelineRun, type PipelineWork } from '@app/platform';
import { logLag } from '../reactor/event-reactor';
import type { CheckpointStore } from './checkpoint-store';
import { DEFAULT_EVENTS_TOPIC, encodeEventMessage } from './kafka-message';

export interface KafkaRelayOptions {
  /** Names this relay's checkpoint; a second relay with the same name would publish everything twice. */
  readonly name: string;
  readonly topic?: string;
  /** Partitions of the topic when the relay has to create it (default 6). Projectors scale up to this many. */
  readonly partitions?: number;
  /** Replication factor when creating the topic; default -1, the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** Most events per produce request and per checkpoint write (default 500). */
  readonly maxBatchSize?: number;
}

/** Called after a batch was acknowledged by the broker and the checkpoint saved. */
export type RelayPublishedListener = (events: readonly RecordedEvent[], checkpoint: number) => void;

export const DEFAULT_TOPIC_PARTITIONS = 6;
const DEFAULT_RELAY_BATCH = 500;

export class KafkaRelay implements PipelineWork {
  private readonly topic: string;
  private producer: Producer | undefined;
  private subscription: Subscription | undefined;
  private finished: Promise<void> | undefined;
  private readonly listeners = new Set<RelayPublishedListener>();
  private checkpoint: number | null = null;
  private publishedCount = 0;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly kafka: Kafka,
    private readonly options: KafkaRelayOptions,
  ) {
    this.topic = options.topic ?? DEFAULT_EVENTS_TOPIC;
  }

  /**
   * One supervised run: start, publish until aborted, stop. Rejects when publishing or the store
   * failed; the supervisor then starts a new run from the checkpoint (a new producer, too).
   */
  async run({ signal, ready }: PipelineRun): Promise<void> {
    await this.start();
    const done = this.done;
    ready();
    try {
      await Promise.race([done, aborted(signal)]);
    } finally {
      await this.stop().catch(() => undefined);
    }
    await done;
  }

  /** Events not yet published, and the age of the oldest of them. */
  async lag(): Promise<PipelineLag> {
    return logLag(this.store, this.checkpoint ?? 0);
  }

  /** Creates the topic if missing, connects the producer and starts following the log. */
  async start(): Promise<void> {
    if (this.subscription) throw new Error(`Relay ${this.options.name} is already running`);
    await ensureTopic(this.kafka, this.topic, {
      partitions: this.options.partitions ?? DEFAULT_TOPIC_PARTITIONS,
      replicationFactor: this.options.replicationFactor ?? -1,
    });
    const producer = this.kafka.producer({
      idempotent: true,
      // kafkajs keeps idempotent sequence numbers (and so order) only with one request in flight.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 on the key, as Java clients do: any producer of the same key picks the same partition.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      this.checkpoint = await this.checkpoints.load(this.options.name);
    } catch (error) {
      await producer.disconnect();
      throw error;
    }
    this.producer = producer;
    this.subscription = this.store.subscribeToAll(
      {
        from: this.checkpoint === null ? 'start' : { after: this.checkpoint },
        maxBatchSize: this.options.maxBatchSize ?? DEFAULT_RELAY_BATCH,
      },
      (events) => this.publish(events),
    );
    // A failed publish ends the subscription; release the producer so the process can exit or restart.
    this.finished = this.subscription.done.catch(async (error: unknown) => {
      await this.disconnectProducer().catch(() => undefined);
      throw error;
    });
    // The caller learns of a failure through `done`; this keeps it from counting as unhandled meanwhile.
    this.finished.catch(() => undefined);
  }

  /**
   * Settles when the relay stops: resolves after stop(), rejects when publishing or the store failed
   * (the checkpoint still names the last acknowledged batch, so a restart resumes there).
   */
  get done(): Promise<void> {
    return this.finished ?? Promise.reject(new Error(`Relay ${this.options.name} was not started`));
  }

  /** Finishes the batch in flight (publish and checkpoint), then disconnects. */
  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) await subscription.close();
    await this.disconnectProducer();
  }

  /** Global position of the last event the broker acknowledged and the checkpoint holds; null before any. */
  get position(): number | null {
    return this.checkpoint;
  }

  /** Events published since start() (by this instance). */
  get published(): number {
    return this.publishedCount;
  }

  onPublished(listener: RelayPublishedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async publish(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const producer = this.producer;
    if (!producer) throw new Error(`Relay ${this.options.name} has no producer`);
    await producer.send({
      topic: this.topic,
      // acks -1: every in-sync replica has the batch before the checkpoint may move past it.
      acks: -1,
      messages: events.map((event) => {
        const message = encodeEventMessage(event);
        return { key: message.key, value: message.value, headers: { ...message.headers }, timestamp: message.timestamp };
      }),
    });
    const last = events[events.length - 1].position;
    await this.checkpoints.save(this.options.name, last);
    this.checkpoint = last;
    this.publishedCount += events.length;
    for (const listener of this.listeners) listener(events, last);
  }

  private async disconnectProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.disconnect();
  }
}

export interface TopicSettings {
  readonly partitions: number;
  readonly replicationFactor: number;
}

/** Creates the topic when it does not exist; an existing topic is left as it is. */
export async function ensureTopic(kafka: Kafka, topic: string, settings: TopicSettings): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (existing.includes(topic)) return;
    // false means another client created it meanwhile, which is just as good.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: settings.partitions, replicationFactor: settings.replicationFactor }],
    });
  } finally {
    await admin.disconnect();
  }
}
