// The topic contract (deploy/README.md, "Topic contract") over every event type of the catalogue, as
// the relay publishes them: sealed by the real personal-data codec, encoded by the one mapping, read
// back by the CloudEvents SDK (what a consumer written from the documentation does) and by the Kafka
// projector's decoder, which must give back exactly the stored envelope.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import { personalValues, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { CachedKeyStore, MasterKeyRing, SqliteKeyStore } from '@app/key-store';
import { decodeEventMessage, encodeEventMessage } from '@app/transport/kafka';
import { readerCodec } from './engines';
import { chroniclePersonalData } from './personal-data';
import { catalogueEvents, catalogueTypes } from './testing/event-catalogue';

const CUSTOMER = 'c-ce-1';
/** Plaintext personal values of the samples: none may travel on the topic. */
const PLAINTEXT = /Ada|Lovelace|4930123456|1990-12-10|Berlin|Hamburg|scarf|Scratched|Lovely|mornings|Broken zip|Replaced|Wrong colour/;

describe('Topic contract over every event type of the catalogue', () => {
  let directory: string;
  let keys: CachedKeyStore;
  let stored: RecordedEvent[];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-topic-contract-'));
    keys = new CachedKeyStore(new SqliteKeyStore(join(directory, 'keys.sqlite'), new MasterKeyRing([Buffer.alloc(32, 7)])));
    const revisions = new Map<string, number>();
    const samples = catalogueEvents(CUSTOMER, 't1');
    const fresh: NewEvent[] = samples.map(({ event }) => event);
    const sealed = await readerCodec(keys).encode(fresh);
    stored = sealed.map((event, index) => {
      const streamId = samples[index].streamId;
      const revision = revisions.get(streamId) ?? 0;
      revisions.set(streamId, revision + 1);
      return { ...event, streamId, revision, position: 100 + index * 3, recordedAt: new Date(Date.UTC(2026, 2, 1, 11, index)).toISOString() };
    });
  });

  afterAll(async () => {
    await keys.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** The message as a consumer gets it from kafkajs (Buffers), turned into strings as the contract says. */
  function consumed(event: RecordedEvent): KafkaMessage<string> {
    const encoded = encodeEventMessage(event);
    const headers = Object.fromEntries(Object.entries(encoded.headers).map(([name, value]) => [name, Buffer.from(value).toString('utf8')]));
    return { key: encoded.key, value: encoded.value, headers, body: encoded.value, timestamp: encoded.timestamp };
  }

  it('has a sample of every event type', () => {
    expect(new Set(stored.map((event) => event.type))).toEqual(new Set(catalogueTypes()));
  });

  it('gives a CloudEvents consumer the business payload as data and the envelope as attributes, for every type', () => {
    for (const event of stored) {
      const read = Kafka.toEvent(consumed(event)) as CloudEvent<unknown>;
      const m = event.metadata;
      expect({ type: event.type, valid: read.validate() }).toEqual({ type: event.type, valid: true });
      expect(read.data).toEqual(event.data);
      expect(read).toMatchObject({
        id: event.eventId, type: event.type, source: `/chronicle/${m.source}`, subject: m.customerId, time: m.occurredAt,
        datacontenttype: 'application/json',
        chronicleposition: String(event.position), chroniclerevision: String(event.revision), chroniclestream: event.streamId,
        schemaversion: String(m.schemaVersion), recordedtime: event.recordedAt, correlationid: m.correlationId,
        actor: JSON.stringify(m.actor),
      });
      expect(read['causationid']).toBe(m.causationId ?? undefined);
      expect(read['idempotencykey']).toBe(m.idempotencyKey);
      expect(read['onbehalfof']).toBe(m.onBehalfOf?.id);
      expect(read['datakeyid']).toBe(m.dataKeyId);
      // Keys: the customer, or for a segment's definition the segment's stream (its order is per segment).
      expect(read.partitionkey).toBe(m.customerId === '__segments__' ? event.streamId : m.customerId);
    }
  });

  it('carries personal values sealed, as stored, and names the data key that sealed them', () => {
    let sealedValues = 0;
    for (const event of stored) {
      const message = consumed(event);
      expect(`${message.value}\n${JSON.stringify(message.headers)}`).not.toMatch(PLAINTEXT);
      const values = personalValues(JSON.parse(message.value), chroniclePersonalData.paths(event.type, event.metadata.schemaVersion))
        .filter((value) => value !== undefined && value !== null);
      for (const value of values) expect(value).toMatch(/^enc1:/);
      sealedValues += values.length;
      expect(message.headers['ce_datakeyid'] !== undefined).toBe(values.length > 0);
    }
    expect(sealedValues).toBeGreaterThan(20);
  });

  it('gives the Kafka projector back exactly the stored envelope, which the reader codec opens as the store would', async () => {
    const decoded = stored.map((event) => {
      const message = consumed(event);
      const headers = Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(String(value))]));
      return decodeEventMessage({ key: Buffer.from(message.key), value: Buffer.from(message.value), headers });
    });
    expect(decoded).toEqual(stored);
    const codec = readerCodec(keys);
    expect(await codec.decode(decoded)).toEqual(await codec.decode(stored));
    expect(JSON.stringify(await codec.decode(decoded))).toMatch(/Lovelace/);
  });
});
