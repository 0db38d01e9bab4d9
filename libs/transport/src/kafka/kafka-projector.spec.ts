import type { ConsumerRunConfig, EachBatchPayload, Kafka, KafkaMessage, OffsetsByTopicPartition } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import type { Checkpoint } from '@app/read-store';
import { KafkaProjector, type PartitionWatermarkSink, type ProjectorBatchSink } from './kafka-projector';
import { encodeEventMessage, encodeWatermarkMessage } from './kafka-message';

function event(position: number): RecordedEvent {
  return {
    eventId: `e-${position}`, type: 'CallLogged', streamId: `call-${position}`, revision: 0, position,
    data: { customerId: 'c-1' }, recordedAt: '2025-01-01T00:00:00.000Z',
    metadata: { customerId: 'c-1', schemaVersion: 1, occurredAt: '2025-01-01T00:00:00.000Z', actor: { type: 'service', id: 's' }, source: 'shop', correlationId: 'k', causationId: null },
  };
}

function message(position: number, offset: number): KafkaMessage {
  const encoded = encodeEventMessage(event(position));
  return {
    key: Buffer.from(encoded.key), value: Buffer.from(encoded.value), headers: { ...encoded.headers },
    timestamp: encoded.timestamp, attributes: 0, offset: String(offset),
  };
}

function watermark(position: number, partitions: number, offset: number): KafkaMessage {
  const encoded = encodeWatermarkMessage({ position, partitions }, 2);
  return { key: null, value: Buffer.from(encoded.value), headers: { ...encoded.headers }, timestamp: encoded.timestamp, attributes: 0, offset: String(offset) };
}

/** A consumer that records what the projector asks of it; the test drives eachBatch itself. */
function fakeKafka() {
  let runConfig: ConsumerRunConfig | undefined;
  const calls: string[] = [];
  const kafka = {
    consumer: () => ({
      events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
      on: () => () => undefined,
      connect: async () => undefined,
      subscribe: async (subscription: unknown) => { calls.push(`subscribe ${JSON.stringify(subscription)}`); },
      run: async (config: ConsumerRunConfig) => { runConfig = config; },
      disconnect: async () => { calls.push('disconnect'); },
    }),
  } as unknown as Kafka;
  return { kafka, calls, runConfig: () => runConfig };
}

function batchPayload(messages: KafkaMessage[], calls: string[], running = () => true): EachBatchPayload {
  return {
    batch: {
      topic: 't', partition: 2, highWatermark: '100', messages,
      isEmpty: () => messages.length === 0, firstOffset: () => messages[0]?.offset ?? null,
      lastOffset: () => messages[messages.length - 1].offset, offsetLag: () => '0', offsetLagLow: () => '0',
    },
    resolveOffset: (offset: string) => { calls.push(`resolve ${offset}`); },
    heartbeat: async () => { calls.push('heartbeat'); },
    pause: () => () => undefined,
    commitOffsetsIfNecessary: async (offsets?: unknown) => { calls.push(`commit ${JSON.stringify(offsets)}`); },
    // What kafkajs holds resolved for the whole consumer (other partitions' handlers commit their
    // own), partitions as the strings kafkajs 2.2 really hands out (its map's keys), not its types' numbers.
    uncommittedOffsets: () => ({
      topics: [
        { topic: 't', partitions: [{ partition: '0', offset: 'another handler\'s' }, { partition: '2', offset: 'resolved' }] },
        { topic: 'other', partitions: [{ partition: '2', offset: 'another topic\'s' }] },
      ],
    }) as unknown as OffsetsByTopicPartition,
    isRunning: running,
    isStale: () => false,
  };
}

function recordingSink(calls: string[], fail?: Error): ProjectorBatchSink {
  return {
    applyBatch: async (events: RecordedEvent[], alongside?: readonly Checkpoint[]) => {
      const carried = alongside && alongside.length > 0 ? ` with ${alongside.map((c) => `${c.name}=${c.position}`).join(',')}` : '';
      calls.push(`apply ${events.map((e) => e.position).join(',')}${carried}`);
      if (fail) throw fail;
    },
  };
}

/** A watermark sink that hands its checkpoints to the batch's write, recording what it is told. */
function foldingWatermarks(calls: string[]): PartitionWatermarkSink {
  return {
    record: async (partition, position, partitions) => { calls.push(`watermark ${partition} ${position} of ${partitions}`); },
    checkpoints: async (partition, position, partitions) => ({
      checkpoints: [{ name: `p${partition}`, position }, { name: 'count', position: partitions }],
      stored: () => { calls.push(`stored p${partition}=${position}`); },
    }),
  };
}

describe('KafkaProjector', () => {
  it('runs without auto-commit or auto-resolve, from the beginning, one batch at a time', async () => {
    const fake = fakeKafka();
    await new KafkaProjector(recordingSink([]), fake.kafka, { groupId: 'g', topic: 't' }).start();
    expect(fake.calls).toEqual(['subscribe {"topics":["t"],"fromBeginning":true}']);
    // eachBatchAutoResolve would mark a batch left early (stopping, revoked) processed to its end.
    expect(fake.runConfig()).toMatchObject({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1 });
  });

  it('commits each part of a batch only after the runner wrote it, with a heartbeat between parts', async () => {
    const fake = fakeKafka();
    const projector = new KafkaProjector(recordingSink(fake.calls), fake.kafka, { groupId: 'g', topic: 't', maxEventsPerWrite: 2 });
    const applied: string[] = [];
    projector.onApplied((b) => applied.push(`${b.partition}:${b.firstOffset}-${b.lastOffset}`));
    await projector.start();
    fake.calls.length = 0;
    await fake.runConfig()?.eachBatch?.(batchPayload([message(7, 10), message(9, 11), message(12, 12)], fake.calls));
    const commit = 'commit {"topics":[{"topic":"t","partitions":[{"partition":"2","offset":"resolved"}]}]}';
    expect(fake.calls).toEqual(['apply 7,9', 'resolve 11', commit, 'heartbeat', 'apply 12', 'resolve 12', commit, 'heartbeat']);
    expect(applied).toEqual(['2:10-11', '2:12-12']);
    expect(projector.applied).toBe(3);
  });

  it('commits nothing when the read-store write fails, so the batch comes again', async () => {
    const fake = fakeKafka();
    const projector = new KafkaProjector(recordingSink(fake.calls, new Error('disk full')), fake.kafka, { groupId: 'g', topic: 't' });
    await projector.start();
    fake.calls.length = 0;
    await expect(fake.runConfig()?.eachBatch?.(batchPayload([message(7, 10)], fake.calls))).rejects.toThrow('disk full');
    expect(fake.calls).toEqual(['apply 7']);
    expect(projector.applied).toBe(0);
  });

  it('after a failed write, has the sink recover before the batch kafkajs hands over again, and only then', async () => {
    const fake = fakeKafka();
    let failNext = true;
    const sink: ProjectorBatchSink = {
      applyBatch: async (events: RecordedEvent[]) => {
        fake.calls.push(`apply ${events.map((e) => e.position).join(',')}`);
        if (failNext) {
          failNext = false;
          throw new Error('database is locked');
        }
      },
      recover: async () => { fake.calls.push('recover'); },
    };
    const projector = new KafkaProjector(sink, fake.kafka, { groupId: 'g', topic: 't' });
    await projector.start();
    fake.calls.length = 0;
    await expect(fake.runConfig()?.eachBatch?.(batchPayload([message(7, 10)], fake.calls))).rejects.toThrow('database is locked');
    // kafkajs' retry: the same batch again.
    await fake.runConfig()?.eachBatch?.(batchPayload([message(7, 10)], fake.calls));
    await fake.runConfig()?.eachBatch?.(batchPayload([message(9, 11)], fake.calls));
    const commit = 'commit {"topics":[{"topic":"t","partitions":[{"partition":"2","offset":"resolved"}]}]}';
    expect(fake.calls).toEqual(['apply 7', 'recover', 'apply 7', 'resolve 10', commit, 'heartbeat', 'apply 9', 'resolve 11', commit, 'heartbeat']);
    expect(projector.applied).toBe(2);
  });

  it('once killed from an applied listener, commits nothing more', async () => {
    const fake = fakeKafka();
    const projector = new KafkaProjector(recordingSink(fake.calls), fake.kafka, { groupId: 'g', topic: 't', maxEventsPerWrite: 1 });
    projector.onApplied(() => void projector.kill());
    await projector.start();
    fake.calls.length = 0;
    await fake.runConfig()?.eachBatch?.(batchPayload([message(7, 10), message(8, 11)], fake.calls));
    expect(fake.calls).toEqual(['apply 7', 'disconnect']);
  });

  it('stops between parts when the consumer stopped or lost the partition', async () => {
    const fake = fakeKafka();
    const projector = new KafkaProjector(recordingSink(fake.calls), fake.kafka, { groupId: 'g', topic: 't', maxEventsPerWrite: 1 });
    await projector.start();
    fake.calls.length = 0;
    let running = true;
    projector.onApplied(() => { running = false; });
    await fake.runConfig()?.eachBatch?.(batchPayload([message(7, 10), message(8, 11)], fake.calls, () => running));
    expect(fake.calls.filter((c) => c.startsWith('apply'))).toEqual(['apply 7']);
  });

  const COMMIT = 'commit {"topics":[{"topic":"t","partitions":[{"partition":"2","offset":"resolved"}]}]}';
  const recordingWatermarks = (calls: string[]): PartitionWatermarkSink => ({
    record: async (partition, position, partitions) => { calls.push(`watermark ${partition} ${position} of ${partitions}`); },
  });
  it.each([
    {
      // An event at 12 says as much as a watermark record at 12: everything of this partition below it came first.
      how: 'records the partition watermark once the runner wrote its events, before the commit',
      sink: recordingWatermarks,
      first: ['apply 7,12', 'watermark 2 12 of 6'],
    },
    {
      how: 'hands the partition watermark to the batch\'s own write where the sink offers checkpoints',
      sink: foldingWatermarks,
      first: ['apply 7,12 with p2=12,count=6', 'stored p2=12'],
    },
  ])('$how; a part of watermark records only applies nothing and stores it alone', async ({ sink, first }) => {
    const fake = fakeKafka();
    const projector = new KafkaProjector(recordingSink(fake.calls), fake.kafka, { groupId: 'g', topic: 't', maxEventsPerWrite: 3, watermarks: sink(fake.calls) });
    await projector.start();
    fake.calls.length = 0;
    await fake.runConfig()?.eachBatch?.(batchPayload([message(7, 10), watermark(8, 6, 11), message(12, 12), watermark(15, 6, 13), watermark(20, 6, 14)], fake.calls));
    expect(fake.calls).toEqual([...first, 'resolve 12', COMMIT, 'heartbeat', 'watermark 2 20 of 6', 'resolve 14', COMMIT, 'heartbeat']);
    expect(projector.applied).toBe(2);
  });

  it('when that write fails, tells the watermark sink nothing was stored and commits nothing', async () => {
    const fake = fakeKafka();
    const projector = new KafkaProjector(recordingSink(fake.calls, new Error('disk full')), fake.kafka, { groupId: 'g', topic: 't', watermarks: foldingWatermarks(fake.calls) });
    await projector.start();
    fake.calls.length = 0;
    await expect(fake.runConfig()?.eachBatch?.(batchPayload([message(7, 10), watermark(8, 6, 11)], fake.calls))).rejects.toThrow('disk full');
    expect(fake.calls).toEqual(['apply 7 with p2=8,count=6']);
  });
});
