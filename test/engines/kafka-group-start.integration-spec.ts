// A rebuilt generation's projector group starts where the generation was built to, not at the
// topic's beginning (found from outside: read from offset 0, a rebuild's new generation stayed ~45 s
// behind the writes made right after its switch, and more the longer the topic). Against a real broker.
import { committedOffsets, createKafkaClient, startNewGroupAt, untilLeadersElected } from '@app/transport/kafka';
import { deleteTopic, freshRunId, kafkaBrokersFromEnv } from './kafka-support/kafka-engine';
import { suiteWithoutEngine } from '../support/missing-engine';

const brokers = kafkaBrokersFromEnv();

if (!brokers) {
  suiteWithoutEngine('Kafka group start engine suite', 'KAFKA_BROKERS is not set', 'npm run engines:up');
} else {
  describe('startNewGroupAt (real broker)', () => {
    const runId = freshRunId();
    const topic = `chronicle-group-start-${runId}`;
    const kafka = createKafkaClient({ clientId: `group-start-${runId}`, brokers });
    const base = Date.UTC(2026, 11, 5, 6, 0, 0);

    beforeAll(async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
        await untilLeadersElected(admin, topic);
      } finally {
        await admin.disconnect();
      }
      const producer = kafka.producer();
      await producer.connect();
      try {
        // Partitions 0 and 1: ten records a second apart; partition 2: three records, all early.
        const records = [0, 1].flatMap((partition) => Array.from({ length: 10 }, (_, i) => ({ partition, value: `${partition}-${i}`, timestamp: String(base + i * 1000) })));
        records.push(...Array.from({ length: 3 }, (_, i) => ({ partition: 2, value: `2-${i}`, timestamp: String(base + i * 1000) })));
        await producer.send({ topic, acks: -1, messages: records });
      } finally {
        await producer.disconnect();
      }
    });

    afterAll(async () => {
      await deleteTopic(kafka, topic);
    });

    it('sets a new group at the first record stamped at or after the instant (a partition\'s end where none is), and leaves a group with offsets alone', async () => {
      const groupId = `chronicle-projector-g2-${runId}`;
      const offsets = await startNewGroupAt(kafka, topic, groupId, new Date(base + 5_000));
      expect([...(offsets ?? [])].sort((a, b) => a.partition - b.partition)).toEqual([
        { partition: 0, offset: '5' },
        { partition: 1, offset: '5' },
        { partition: 2, offset: '3' },
      ]);
      const admin = kafka.admin();
      await admin.connect();
      try {
        const committed = await committedOffsets(admin, groupId, topic);
        expect([...committed].sort((a, b) => a.partition - b.partition).map((p) => [p.partition, p.offset])).toEqual([[0, '5'], [1, '5'], [2, '3']]);
      } finally {
        await admin.disconnect();
      }
      // Asked again (a resumed rebuild): the group has offsets, nothing changes.
      expect(await startNewGroupAt(kafka, topic, groupId, new Date(base))).toBeNull();
    });
  });
}
