import type { Kafka, ProducerConfig, ProducerRecord } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import type { BatchHandler, EventStore, SubscribeOptions } from '@app/event-store';
import type { CheckpointStore } from './checkpoint-store';
import { KafkaRelay } from './kafka-relay';
import { DEFAULT_EVENTS_TOPIC, decodeEventMessage, watermarkOf } from './kafka-message';

function event(position: number, customerId = `c-${position % 3}`): RecordedEvent {
  return {
    eventId: `e-${position}`, type: 'CallLogged', streamId: `call-${position}`, revision: 0, position,
    data: { customerId }, recordedAt: '2025-01-01T00:00:00.000Z',
    metadata: { customerId, schemaVersion: 1, occurredAt: '2025-01-01T00:00:00.000Z', actor: { type: 'service', id: 's' }, source: 'shop', correlationId: 'k', causationId: null },
  };
}

/** An event store whose subscription hands over the given batches, then ends when closed. */
function feedingStore(batches: RecordedEvent[][]) {
  const calls: SubscribeOptions[] = [];
  const store = {
    subscribeToAll(options: SubscribeOptions, handler: BatchHandler) {
      calls.push(options);
      let closed = false;
      let release: () => void = () => undefined;
      const done = (async () => {
        for (const batch of batches) {
          if (closed) return;
          await handler(batch);
        }
        await new Promise<void>((resolve) => { release = resolve; if (closed) resolve(); });
      })();
      return { done, close: async () => { closed = true; release(); await done.catch(() => undefined); } };
    },
  } as unknown as EventStore;
  return { store, calls };
}

function memoryCheckpoints(initial: number | null = null) {
  let saved = initial;
  const checkpoints: CheckpointStore = {
    load: async () => saved,
    save: async (_name, position) => { saved = position; },
  };
  return { checkpoints, saved: () => saved };
}

function fakeKafka(options: { topics?: string[]; partitions?: number; send?: (record: ProducerRecord) => Promise<void> } = {}) {
  const sent: ProducerRecord[] = [];
  const created: unknown[] = [];
  const producerConfigs: ProducerConfig[] = [];
  let disconnected = 0;
  const kafka = {
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => options.topics ?? [],
      createTopics: async (request: unknown) => { created.push(request); return true; },
      describeConfigs: async () => ({ resources: [{ configEntries: [{ configName: 'max.message.bytes', configValue: '1048588' }, { configName: 'retention.ms', configValue: '-1' }] }] }),
      fetchTopicOffsets: async (topic: string) =>
        Array.from({ length: topic.endsWith('.dead-letter') ? 1 : options.partitions ?? 1 }, (_, partition) => ({ partition, offset: '0', high: '0', low: '0' })),
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({ topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })) }),
    }),
    producer: (config: ProducerConfig) => {
      producerConfigs.push(config);
      return {
        connect: async () => undefined,
        disconnect: async () => { disconnected++; },
        send: async (record: ProducerRecord) => {
          await options.send?.(record);
          sent.push(record);
          return [];
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, sent, created, producerConfigs, disconnected: () => disconnected };
}

/** Resolves once the relay checkpointed `position`; register before start(). */
function checkpointed(relay: KafkaRelay, position: number): Promise<void> {
  return new Promise((resolve) => {
    const off = relay.onPublished((_events, checkpoint) => {
      if (checkpoint >= position) {
        off();
        resolve();
      }
    });
  });
}

describe('KafkaRelay', () => {
  it('creates a missing topic, publishes idempotently with acks from all replicas, and checkpoints after the ack', async () => {
    const { store, calls } = feedingStore([[event(1), event(2)], [event(5)]]);
    const { checkpoints, saved } = memoryCheckpoints();
    const fake = fakeKafka({ partitions: 3 });
    const relay = new KafkaRelay(store, checkpoints, fake.kafka, { name: 'main', topic: 't', partitions: 3 });
    const published: number[] = [];
    relay.onPublished((_events, checkpoint) => published.push(checkpoint));
    const reached = checkpointed(relay, 5);
    await relay.start();
    await reached;
    await relay.stop();

    const forever = [{ name: 'retention.ms', value: '-1' }, { name: 'retention.bytes', value: '-1' }, { name: 'cleanup.policy', value: 'delete' }];
    expect(fake.created).toEqual([
      { waitForLeaders: false, topics: [{ topic: 't', numPartitions: 3, replicationFactor: -1, configEntries: forever }] },
      { waitForLeaders: false, topics: [{ topic: 't.dead-letter', numPartitions: 1, replicationFactor: -1, configEntries: forever }] },
    ]);
    expect(fake.producerConfigs[0]).toMatchObject({ idempotent: true, maxInFlightRequests: 1 });
    expect(calls).toEqual([{ from: 'start', maxBatchSize: 500 }]);
    // Each batch in one request, its events then a watermark record for every partition: what the batch put there lies before it.
    expect(fake.sent.map((r) => [r.topic, r.acks, r.messages.length])).toEqual([['t', -1, 5], ['t', -1, 4]]);
    const marks = (request: ProducerRecord) => request.messages.map((m) => [m.partition, watermarkOf({ key: null, value: m.value as string, headers: m.headers as Record<string, string> }) ?? 'event']);
    expect(marks(fake.sent[0])).toEqual([[undefined, 'event'], [undefined, 'event'], ...[0, 1, 2].map((partition) => [partition, { position: 2, partitions: 3 }])]);
    expect(marks(fake.sent[1])).toEqual([[undefined, 'event'], ...[0, 1, 2].map((partition) => [partition, { position: 5, partitions: 3 }])]);
    const first = fake.sent[0].messages[0];
    expect(first.key).toBe('c-1');
    expect(decodeEventMessage({ key: first.key ?? null, value: first.value, headers: first.headers })).toEqual(event(1));
    expect(published).toEqual([2, 5]);
    expect(saved()).toBe(5);
    expect(relay.published).toBe(3);
    expect(fake.disconnected()).toBe(1);
    await expect(relay.done).resolves.toBeUndefined();
  });

  it('resumes strictly after its checkpoint and leaves an existing topic alone, its partitions told of the checkpoint first', async () => {
    const { store, calls } = feedingStore([]);
    const fake = fakeKafka({ topics: [DEFAULT_EVENTS_TOPIC, `${DEFAULT_EVENTS_TOPIC}.dead-letter`], partitions: 2 });
    const relay = new KafkaRelay(store, memoryCheckpoints(41).checkpoints, fake.kafka, { name: 'main' });
    await relay.start();
    await relay.stop();
    expect(calls).toEqual([{ from: { after: 41 }, maxBatchSize: 500 }]);
    expect(fake.created).toEqual([]);
    // A partition added while the relay was down hears of the log's progress before any new event.
    expect(fake.sent.map((r) => r.messages.map((m) => [m.partition, watermarkOf({ key: null, value: m.value as string, headers: m.headers as Record<string, string> })]))).toEqual([
      [[0, { position: 41, partitions: 2 }], [1, { position: 41, partitions: 2 }]],
    ]);
  });

  it('keeps the checkpoint at the last acknowledged batch when the broker refuses one, and ends with the error', async () => {
    const { store } = feedingStore([[event(1)], [event(2)]]);
    const { checkpoints, saved } = memoryCheckpoints();
    let sends = 0;
    const fake = fakeKafka({
      send: async () => {
        sends++;
        // The first batch (with its watermarks) goes through; the second is refused.
        if (sends === 2) throw new Error('NOT_ENOUGH_REPLICAS');
      },
    });
    const relay = new KafkaRelay(store, checkpoints, fake.kafka, { name: 'main' });
    await relay.start();
    await expect(relay.done).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(saved()).toBe(1);
    expect(relay.position).toBe(1);
    expect(fake.disconnected()).toBe(1);
    await relay.stop();
  });

  it('ends its run, writing nothing, when the topic has more partitions than when it started (the restart gives every partition watermarks)', async () => {
    const { store } = feedingStore([[event(1)]]);
    const { checkpoints, saved } = memoryCheckpoints();
    const partitionMetadata = (count: number) => Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] }));
    let written = 0;
    const fake = fakeKafka({
      partitions: 2,
      // The broker's metadata as the producer sees it now: a third partition was added meanwhile.
      send: async (record) => {
        const partitionOf = fake.producerConfigs[0].createPartitioner?.();
        for (const message of record.messages) partitionOf?.({ topic: record.topic, partitionMetadata: partitionMetadata(3), message });
        written += record.messages.length;
      },
    });
    const relay = new KafkaRelay(store, checkpoints, fake.kafka, { name: 'main', topic: 't' });
    await relay.start();
    await expect(relay.done).rejects.toThrow('Topic t has 3 partitions now, 2 when the relay started');
    expect(written).toBe(0);
    expect(saved()).toBeNull();
    await relay.stop();
  });
});
