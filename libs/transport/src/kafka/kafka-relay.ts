// Relay: event store -> Kafka. Follows the global log from its own checkpoint and publishes every
// event to the event topic as a CloudEvent (format in kafka-message.ts), keyed by customer so each
// customer's events stay in order on one partition.
//
// Delivery: at least once, with no duplicates in normal operation. The producer is idempotent
// (the broker drops a retried batch it already has), and the checkpoint moves only after the
// broker acknowledged a batch (acks = all in-sync replicas). Only a crash between that ack and
// the checkpoint write republishes the last batch; consumers apply by global position, so such
// a copy is a no-op for them.
//
// Progress: after each acknowledged batch, a watermark record goes to every partition (kafka-message.ts),
// from which projectors tell how far every read model got across partitions applied apart.
//
// Size: the broker refuses a record batch over the topic's max.message.bytes, and kafkajs does not
// retry that. The relay reads the limit at start, compresses with GZIP (the broker checks the
// compressed batch), and cuts a batch into produce requests that stay under it uncompressed, so one
// large event travels alone. An event the broker still refuses on its own is never a silent stop and
// never blocks the events behind it: a pointer to it goes to the dead-letter topic
// (`<topic>.dead-letter`), the relay moves on, and the alert stays on /health/ready and /metrics
// (`chronicle_pipeline_alerts{alert="dead-lettered"}`) for as long as that topic holds records.
import { Logger } from '@nestjs/common';
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore, Subscription } from '@app/event-store';
import { aborted, type PipelineAlert, type PipelineLag, type PipelineRun, type PipelineWork } from '@app/platform/supervision/supervisor';
import { logLag } from '../reactor/event-reactor';
import type { CheckpointStore } from './checkpoint-store';
import { deadLetterMessage, type DeadLetter } from './dead-letter';
import { DEFAULT_EVENTS_TOPIC, encodeEventMessage, encodeWatermarkMessage, type EncodedEventMessage } from './kafka-message';
import { isTooLargeForBroker, splitIntoRequests } from './produce-requests';
import { prepareTopics } from './topic-admin';

export interface KafkaRelayOptions {
  /** Names this relay's checkpoint; a second relay with the same name would publish everything twice. */
  readonly name: string;
  readonly topic?: string;
  /** Where events the broker refuses are set aside (default `<topic>.dead-letter`). */
  readonly deadLetterTopic?: string;
  /** Partitions of the topic when the relay has to create it (default 6). Projectors scale up to this many. */
  readonly partitions?: number;
  /** Replication factor when creating the topics; default -1, the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** min.insync.replicas when creating the topics; default: the broker's. */
  readonly minInsyncReplicas?: number;
  /** Most events per checkpoint write (default 500); produce requests are cut smaller where size demands. */
  readonly maxBatchSize?: number;
}

/** Called after a batch was acknowledged by the broker and the checkpoint saved. */
export type RelayPublishedListener = (events: readonly RecordedEvent[], checkpoint: number) => void;

export const DEFAULT_TOPIC_PARTITIONS = 6;
const DEFAULT_RELAY_BATCH = 500;
/** Share of max.message.bytes a produce request may fill, uncompressed: room for estimate error. */
const REQUEST_BUDGET_SHARE = 0.9;

interface OutgoingMessage extends EncodedEventMessage {
  readonly event: RecordedEvent;
}

export class KafkaRelay implements PipelineWork {
  private readonly logger = new Logger('KafkaRelay');
  private readonly topic: string;
  private readonly deadLetterTopic: string;
  private maxMessageBytes: number | undefined;
  private partitions = 0;
  private deadLetters = 0;
  private lastDeadLetter: DeadLetter | undefined;
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
    this.deadLetterTopic = options.deadLetterTopic ?? `${this.topic}.dead-letter`;
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

  /** Events the broker refused, set aside on the dead-letter topic (all time, not only by this instance). */
  alerts(): readonly PipelineAlert[] {
    if (this.deadLetters === 0) return [];
    return [{
      code: 'dead-lettered',
      message: `${this.deadLetters} event(s) the broker refused are on ${this.deadLetterTopic}, not on ${this.topic}: projectors miss them until they are handled (deploy/README.md, "Dead letters")`,
      count: this.deadLetters,
      ...(this.lastDeadLetter ? { last: { ...this.lastDeadLetter } } : {}),
    }];
  }

  /** The largest record batch the broker takes on the topic, as read at start (undefined before). */
  get messageLimitBytes(): number | undefined {
    return this.maxMessageBytes;
  }

  /** Creates the topics if missing, reads the broker's limits, connects the producer and starts following the log. */
  async start(): Promise<void> {
    if (this.subscription) throw new Error(`Relay ${this.options.name} is already running`);
    const limits = await prepareTopics(this.kafka, this.topic, this.deadLetterTopic, {
      partitions: this.options.partitions ?? DEFAULT_TOPIC_PARTITIONS,
      replicationFactor: this.options.replicationFactor ?? -1,
      ...(this.options.minInsyncReplicas !== undefined ? { minInsyncReplicas: this.options.minInsyncReplicas } : {}),
    });
    this.maxMessageBytes = limits.maxMessageBytes;
    this.partitions = limits.partitions;
    this.deadLetters = limits.deadLetters;
    if (limits.retentionMs !== -1) {
      this.logger.warn(
        `Topic ${this.topic} keeps events ${limits.retentionMs} ms (retention.ms): a projector down longer than that, or a new one, misses events; set retention.ms=-1 (deploy/README.md)`,
      );
    }
    const producer = this.newProducer();
    await producer.connect();
    try {
      this.checkpoint = await this.checkpoints.load(this.options.name);
    } catch (error) {
      await producer.disconnect();
      throw error;
    }
    this.producer = producer;
    // Partitions added since the last run have had no watermark yet: they get the checkpoint's now.
    if (this.checkpoint !== null) await this.publishWatermarks(this.checkpoint).catch(async (error: unknown) => {
      await this.disconnectProducer();
      throw error;
    });
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

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      // kafkajs keeps idempotent sequence numbers (and so order) only with one request in flight.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 on the key, as Java clients do: any producer of the same key picks the same partition.
      createPartitioner: () => {
        const partitionOf = Partitioners.DefaultPartitioner();
        return (args) => {
          // A partition added while this run goes would get events before any watermark record, and
          // projectors, counting the partitions the records name, would leave it out of the applied
          // watermark. So the run ends before anything of this request is written; the next one
          // (the supervisor's restart) reads the new count and starts with a round for every partition.
          if (args.topic === this.topic && args.partitionMetadata.length !== this.partitions) {
            throw new Error(`Topic ${this.topic} has ${args.partitionMetadata.length} partitions now, ${this.partitions} when the relay started: restarting, so that every partition gets watermark records`);
          }
          return partitionOf(args);
        };
      },
    });
  }

  private async publish(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const budget = Math.floor((this.maxMessageBytes ?? 0) * REQUEST_BUDGET_SHARE);
    const outgoing: OutgoingMessage[] = events.map((event) => ({ ...encodeEventMessage(event), event }));
    const last = events[events.length - 1].position;
    // In log order, one request after another: per-customer order holds across the requests. The
    // watermark records ride in the last one, after its events (one request per partition keeps its order).
    const requests = splitIntoRequests(outgoing, budget);
    for (const [i, request] of requests.entries()) await this.send(request, i === requests.length - 1 ? this.watermarkMessages(last) : []);
    await this.checkpoints.save(this.options.name, last);
    this.checkpoint = last;
    this.publishedCount += events.length;
    for (const listener of this.listeners) listener(events, last);
  }

  /**
   * A watermark record for every partition (kafka-message.ts): sent after what the batch up to
   * `position` put there, so whatever of it a partition holds lies before the record. Projectors
   * derive from these how far every partition is applied, an idle one too (a partition no event went
   * to still hears of the log's progress).
   */
  private watermarkMessages(position: number): Message[] {
    const watermark = { position, partitions: this.partitions };
    return Array.from({ length: this.partitions }, (_, partition) => {
      const record = encodeWatermarkMessage(watermark, partition);
      return { key: record.key, partition: record.partition, value: record.value, headers: { ...record.headers }, timestamp: record.timestamp };
    });
  }

  private async publishWatermarks(position: number): Promise<void> {
    await this.produce(this.topic, this.watermarkMessages(position));
  }

  /**
   * Publishes one request, then `after` (records that must follow its events: the watermarks), in the
   * same request while it fits; an event the broker refuses as too large goes to the dead-letter topic instead.
   */
  private async send(request: readonly OutgoingMessage[], after: readonly Message[] = []): Promise<void> {
    try {
      await this.produce(this.topic, [...request.map(toKafkaMessage), ...after]);
      return;
    } catch (error) {
      if (!isTooLargeForBroker(error)) throw error;
      if (request.length === 1) {
        await this.deadLetter(request[0], error);
      } else {
        // Over the limit although the estimate said otherwise (the topic's limit was lowered since the
        // start). Part of the request may have been written: a new producer (new id, fresh sequence
        // numbers) sends each event alone; a copy already written is a no-op for projectors.
        this.logger.warn(`A produce request of ${request.length} events was too large for ${this.topic}; sending them one by one`);
        await this.disconnectProducer();
        const producer = this.newProducer();
        await producer.connect();
        this.producer = producer;
        for (const message of request) await this.send([message]);
      }
    }
    // The request did not go as one: what must follow its events goes after them on its own.
    if (after.length > 0) await this.produce(this.topic, [...after]);
  }

  private async produce(topic: string, messages: Message[]): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new Error(`Relay ${this.options.name} has no producer`);
    // acks -1: every in-sync replica has the batch before the checkpoint may move past it.
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  }

  private async deadLetter(message: OutgoingMessage, error: unknown): Promise<void> {
    const letter = deadLetterMessage(message.event, {
      reason: error instanceof Error ? error.message : String(error),
      sizeBytes: Buffer.byteLength(message.value),
      limitBytes: this.maxMessageBytes ?? 0,
      topic: this.topic,
    });
    // If even this small pointer cannot be written, the batch fails and the supervisor retries it.
    await this.produce(this.deadLetterTopic, [toKafkaMessage(letter.message)]);
    this.deadLetters += 1;
    this.lastDeadLetter = letter.record;
    this.logger.error(
      `Event ${message.event.eventId} (${message.event.type}, position ${message.event.position}) was refused by the broker (${letter.record.sizeBytes} bytes, limit ${letter.record.limitBytes}): set aside on ${this.deadLetterTopic}`,
    );
  }

  private async disconnectProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.disconnect();
  }
}

function toKafkaMessage(message: { key: string; value: string; headers: Readonly<Record<string, string>>; timestamp: string }): Message {
  return { key: message.key, value: message.value, headers: { ...message.headers }, timestamp: message.timestamp };
}
