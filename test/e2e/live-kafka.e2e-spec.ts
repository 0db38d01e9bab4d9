// The tickets live stream where the projector is fed by Kafka (the production topology: a query API
// apart from a projector that applies partitions apart). A ticket may change at a position below one
// already in the read models, because its partition lags: the stream must still send it, in position
// order, and a client resuming with Last-Event-ID must still get it. The test plays the relay, writing
// to chosen partitions, so that one partition is applied before a lower position in the other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { createKafkaClient, encodeEventMessage, encodeWatermarkMessage, ensureTopic } from '@app/transport/kafka';
import { ApiClient } from '../support/api-client';
import { apiKeysSetting } from '../support/api-keys';
import { eventually } from '../support/eventually';
import { suiteWithoutEngine } from '../support/missing-engine';
import { openSse, type SseConnection } from '../support/sse-client';
import { deleteTopic, freshRunId, kafkaBrokersFromEnv, onPartition } from '../engines/kafka-support/kafka-engine';

const brokers = kafkaBrokersFromEnv();
const KEYS = { support: 'test-support-key-0123456789', analyst: 'test-analyst-key-0123456789' };

function ticketOpened(position: number, customerId: string, ticketId: string): RecordedEvent {
  return {
    eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`, type: 'TicketOpened', streamId: `ticket-${ticketId}`, revision: 0, position,
    data: { customerId, ticketId, subject: `Ticket ${ticketId}`, channel: 'email', priority: 'normal', sla: { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 1440 } },
    recordedAt: '2026-01-01T10:00:00.000Z',
    metadata: { customerId, schemaVersion: 1, occurredAt: '2026-01-01T10:00:00.000Z', actor: { type: 'service', id: 'helpdesk' }, source: 'helpdesk', correlationId: `corr-${position}`, causationId: null },
  };
}

if (!brokers) {
  suiteWithoutEngine('Tickets live stream on Kafka e2e', 'KAFKA_BROKERS is not set', 'npm run engines:up');
} else {

  describe('GET /v1/live/tickets with a Kafka-fed projector in another process (query-api + projector)', () => {
    let dataDir: string;
    let runId: string;
    let topic: string;
    let kafka: Kafka;
    let producer: Producer;
    let queries: RunningChronicle;
    let projector: RunningChronicle;
    const streams: SseConnection[] = [];

    beforeAll(async () => {
      runId = freshRunId();
      topic = `chronicle.test.${runId}`;
      dataDir = mkdtempSync(join(tmpdir(), 'chronicle-live-kafka-'));
      kafka = createKafkaClient({ brokers, clientId: `live-kafka-${runId}` });
      await ensureTopic(kafka, topic, { partitions: 2, replicationFactor: -1 });
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const env = {
        DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'fatal', API_KEYS: apiKeysSetting(KEYS),
        TRANSPORT: 'kafka', KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic, KAFKA_GROUP: `live-${runId}`, KAFKA_PARTITIONS: '2',
        LOYALTY_SWEEP_INTERVAL_MS: '0', SEGMENTS_SWEEP_INTERVAL_MS: '0',
      };
      projector = await startChronicle({ ...env, CHRONICLE_ROLE: 'projector' });
      queries = await startChronicle({ ...env, CHRONICLE_ROLE: 'query-api' });
    });

    afterAll(async () => {
      for (const stream of streams) stream.close();
      await queries?.close();
      await projector?.close();
      await producer?.disconnect();
      if (kafka) await deleteTopic(kafka, topic);
      rmSync(dataDir, { recursive: true, force: true });
    });

    const api = (): ApiClient => new ApiClient(queries.url, KEYS.support);
    const visible = (ticketId: string) => eventually(async () => expect((await api().get(`/v1/tickets/${ticketId}`)).status).toBe(200));
    const open = async (lastEventId?: number): Promise<SseConnection> => {
      const stream = await openSse(`${queries.url}/v1/live/tickets`, {
        Authorization: `Bearer ${KEYS.support}`, ...(lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) }),
      });
      streams.push(stream);
      return stream;
    };
    const changed = (stream: SseConnection) => stream.messages.filter((m) => m.event === 'changed').map((m) => ({ id: m.lastEventId, ticketId: (JSON.parse(m.data) as { ticketId: string }).ticketId }));

    it('sends a change from a lagging partition below one already applied, in position order, and again on resume', async () => {
      // The log, as the relay would publish it: 2 (ticket A, partition 1), 5 (ticket C, partition 1), 6 (ticket B, partition 0).
      await producer.send({ topic, acks: -1, messages: [onPartition(1, encodeEventMessage(ticketOpened(2, 'cust-a', 'A'))), onPartition(1, encodeWatermarkMessage({ position: 2, partitions: 2 }, 1))] });
      // Partition 0 runs ahead: B at 6 is applied while partition 1 has not yet delivered C at 5.
      await producer.send({ topic, acks: -1, messages: [onPartition(0, encodeEventMessage(ticketOpened(6, 'cust-b', 'B'))), onPartition(0, encodeWatermarkMessage({ position: 6, partitions: 2 }, 0))] });
      await visible('A');
      await visible('B');

      // A client connecting now: B is in the read models, but 5 is not, so B must not be taken as seen.
      const stream = await open();
      expect(stream.status).toBe(200);
      await producer.send({ topic, acks: -1, messages: [onPartition(1, encodeEventMessage(ticketOpened(5, 'cust-c', 'C'))), onPartition(1, encodeWatermarkMessage({ position: 6, partitions: 2 }, 1))] });

      await stream.next((m) => m.event === 'changed' && m.lastEventId === '6');
      // Every change the client had not seen, in position order (A only if the stream opened before its partition's watermark was stored).
      expect(changed(stream).filter((c) => c.ticketId !== 'A')).toEqual([{ id: '5', ticketId: 'C' }, { id: '6', ticketId: 'B' }]);
      const ids = changed(stream).map((c) => Number(c.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));

      // Resuming after C: B comes again, nothing before it.
      stream.close();
      const resumed = await open(5);
      await resumed.next((m) => m.event === 'changed');
      expect(changed(resumed)).toEqual([{ id: '6', ticketId: 'B' }]);
    });

    it('ends a stream on the server once its client goes away, so nothing polls the read store for it any more', async () => {
      const openNow = async () => Number(/^chronicle_live_streams (\d+)$/m.exec(await (await fetch(`${queries.url}/metrics`)).text())?.[1]);
      const before = await openNow();
      const [first, second] = [await open(), await open()];
      expect([first.status, second.status]).toEqual([200, 200]);
      await eventually(async () => expect(await openNow()).toBe(before + 2));
      first.close();
      second.close();
      await eventually(async () => expect(await openNow()).toBe(before));
    });

    it('answers a query after a write once every partition got there (the applied watermark), not when another partition did', async () => {
      // Partition 0 runs ahead again: D at 9 is applied; E at 8 (partition 1) is not yet in Kafka.
      await producer.send({ topic, acks: -1, messages: [onPartition(0, encodeEventMessage(ticketOpened(9, 'cust-d', 'D'))), onPartition(0, encodeWatermarkMessage({ position: 9, partitions: 2 }, 0))] });
      await visible('D');
      // An agent's queue and an analyst's report, each after the write at 8.
      const queue = api().get('/v1/tickets?status=open&minPosition=8');
      const report = new ApiClient(queries.url, KEYS.analyst).get('/v1/analytics/kpis?from=2026-01-01&to=2026-01-31&minPosition=8');
      await producer.send({ topic, acks: -1, messages: [onPartition(1, encodeEventMessage(ticketOpened(8, 'cust-e', 'E'))), onPartition(1, encodeWatermarkMessage({ position: 9, partitions: 2 }, 1))] });

      // "Some ticket is at 8 or past it" (D) was no proof: the queue holds E too.
      const answered = await queue;
      expect(answered.status).toBe(200);
      expect((answered.body.items as { ticketId: string }[]).map((t) => t.ticketId).sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
      // An aggregate cannot check its own documents: it is consistent once the watermark passed 8.
      const kpis = await report;
      expect(kpis.status).toBe(200);
      expect(kpis.headers['x-chronicle-consistent']).toBe('true');
    });
  });
}
