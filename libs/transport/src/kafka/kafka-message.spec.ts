// The topic format against the CloudEvents SDK (npm `cloudevents`, an independent implementation of
// the Kafka binding): what it reads from our messages, and what it would write for the same event.
import fc from 'fast-check';
import { CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import type { EventMetadata, RecordedEvent } from '@app/event-sourcing';
import {
  KafkaHeader,
  KafkaMessageFormatError,
  WATERMARK_TYPE,
  decodeEventMessage,
  encodeEventMessage,
  encodeWatermarkMessage,
  watermarkOf,
  headerText,
  partitionKeyOf,
  type IncomingEventMessage,
} from './kafka-message';
import { expectedExtensions, extensionsOf } from './testing/topic-contract';

const purchase: RecordedEvent = {
  eventId: '3f1c2a4e-5b6d-5e7f-8a9b-0c1d2e3f4a5b',
  type: 'PurchaseCompleted',
  streamId: 'order-o-77',
  revision: 0,
  position: 4711,
  data: {
    customerId: 'c-42',
    orderId: 'o-77',
    channel: 'web',
    currency: 'EUR',
    lines: [{ sku: 'sku-1', name: 'Kettle — steel', category: 'kitchen', quantity: 2, unitPriceMinor: 1999 }],
    totalMinor: 3998,
  },
  metadata: {
    customerId: 'c-42',
    schemaVersion: 2,
    occurredAt: '2025-03-01T10:15:00.000Z',
    actor: { type: 'service', id: 'key-7', name: 'shop, EU', role: 'ingest' },
    onBehalfOf: { id: 'agent-3' },
    source: 'shop eu/web',
    correlationId: 'corr-9',
    causationId: 'cause-1',
    idempotencyKey: 'order-o-77',
    dataKeyId: 'dk-1',
  },
  recordedAt: '2025-03-01T10:15:01.250Z',
};

/** What a consumer receives: Buffers for key, value and headers, as kafkajs hands them over. */
function asReceived(event: RecordedEvent, offset = '12'): IncomingEventMessage {
  const encoded = encodeEventMessage(event);
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(encoded.headers)) headers[name] = Buffer.from(value, 'utf8');
  return { key: Buffer.from(encoded.key), value: Buffer.from(encoded.value, 'utf8'), headers, offset };
}

/** The SDK's Kafka binding takes string headers and value (a consumer converts kafkajs' Buffers first). */
function readWithSdk(event: RecordedEvent): CloudEvent<unknown> {
  const encoded = encodeEventMessage(event);
  const message: KafkaMessage<string> = { key: encoded.key, value: encoded.value, headers: { ...encoded.headers }, body: encoded.value };
  return Kafka.toEvent(message) as CloudEvent<unknown>;
}

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const instant = fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('2999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());
const metadata: fc.Arbitrary<EventMetadata> = fc.record(
  {
    customerId: text,
    schemaVersion: fc.integer({ min: 1, max: 1000 }),
    occurredAt: instant,
    actor: fc.record({ type: fc.constantFrom('service', 'agent', 'customer', 'system'), id: text, name: text, role: fc.constant('support,admin') }, { requiredKeys: ['type', 'id'] }),
    onBehalfOf: fc.record({ id: text }),
    source: fc.string({ unit: 'grapheme', maxLength: 12 }),
    correlationId: text,
    causationId: fc.option(text, { nil: null }),
    idempotencyKey: text,
    dataKeyId: text,
  },
  { requiredKeys: ['customerId', 'schemaVersion', 'occurredAt', 'actor', 'source', 'correlationId', 'causationId'] },
) as fc.Arbitrary<EventMetadata>;
const recorded: fc.Arbitrary<RecordedEvent> = fc.record({
  eventId: fc.uuid(),
  type: fc.stringMatching(/^[A-Z][A-Za-z]{0,30}$/),
  streamId: text,
  revision: fc.nat(),
  position: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  // Stored data went through JSON already (no -0, no undefined).
  data: fc.dictionary(fc.string(), fc.jsonValue()).map((value) => JSON.parse(JSON.stringify(value)) as unknown),
  metadata,
  recordedAt: instant,
});

describe('Kafka event message format (CloudEvents binary mode)', () => {
  it('rebuilds exactly the envelope it was given, whatever the envelope holds', () => {
    fc.assert(fc.property(recorded, (event) => {
      expect(decodeEventMessage(asReceived(event))).toEqual(event);
    }), { numRuns: 300 });
  });

  it('is a valid CloudEvent to the SDK, whose data is the payload and whose extensions are the envelope', () => {
    fc.assert(fc.property(recorded, (event) => {
      const read = readWithSdk(event);
      expect(read.validate()).toBe(true);
      expect(read.data).toEqual(event.data);
      expect(extensionsOf(read)).toEqual(expectedExtensions(event));
      for (const name of Object.keys(extensionsOf(read))) expect(name).toMatch(/^[a-z0-9]{1,20}$/);
    }), { numRuns: 300 });
  });

  it('carries the standard attributes and the business payload alone as the value', () => {
    const message = encodeEventMessage(purchase);
    expect(JSON.parse(message.value)).toEqual(purchase.data);
    expect(message.key).toBe('c-42');
    expect(message.timestamp).toBe(String(Date.parse('2025-03-01T10:15:01.250Z')));
    const read = readWithSdk(purchase);
    expect({ ...read, data: undefined }).toMatchObject({
      specversion: '1.0', id: purchase.eventId, type: 'PurchaseCompleted', source: '/chronicle/shop%20eu%2Fweb',
      subject: 'c-42', time: '2025-03-01T10:15:00.000Z', datacontenttype: 'application/json', partitionkey: 'c-42',
    });
    expect(extensionsOf(read)).toEqual({
      chronicleposition: '4711', chroniclerevision: '0', chroniclestream: 'order-o-77', schemaversion: '2',
      recordedtime: '2025-03-01T10:15:01.250Z', correlationid: 'corr-9', causationid: 'cause-1', idempotencykey: 'order-o-77',
      actor: '{"type":"service","id":"key-7","name":"shop, EU","role":"ingest"}', onbehalfof: 'agent-3', datakeyid: 'dk-1',
    });
  });

  it('writes the headers the SDK writes for the same CloudEvent (strictly validated by its constructor)', () => {
    const read = readWithSdk(purchase);
    // strict: the constructor checks the attribute names and values and the JSON Schema of the spec.
    const attributes = Object.fromEntries(Object.entries(read).filter(([name, value]) => value !== undefined && name !== 'partitionkey'));
    const built = new CloudEvent({ ...attributes, data: purchase.data }, true);
    const sdk = Kafka.binary(built);
    const sdkHeaders = Object.fromEntries(Object.entries(sdk.headers).filter(([name, value]) =>
      // The SDK also repeats the content type as ce_datacontenttype, which the binding maps to content-type alone.
      value !== undefined && name !== 'ce_datacontenttype' && name !== 'ce_partitionkey'));
    expect(encodeEventMessage(purchase).headers).toEqual(sdkHeaders);
  });

  it('leaves out the attributes an envelope does not have rather than sending them empty', () => {
    const { onBehalfOf: _o, idempotencyKey: _i, dataKeyId: _d, ...bare } = purchase.metadata;
    const plain: RecordedEvent = { ...purchase, metadata: { ...bare, causationId: null } };
    const headers = encodeEventMessage(plain).headers;
    for (const name of [KafkaHeader.onBehalfOf, KafkaHeader.idempotencyKey, KafkaHeader.dataKeyId, KafkaHeader.causationId]) {
      expect(headers).not.toHaveProperty(name);
    }
    expect(decodeEventMessage(asReceived(plain))).toEqual(plain);
  });

  it('keys by customer id, and an event about no customer by its stream', () => {
    expect(partitionKeyOf(purchase)).toBe('c-42');
    const defined = { ...purchase, streamId: 'segment-vip', metadata: { ...purchase.metadata, customerId: '__segments__' } };
    expect(encodeEventMessage(defined).key).toBe('segment-vip');
    expect(readWithSdk(defined).partitionkey).toBe('segment-vip');
    expect(readWithSdk(defined).subject).toBe('__segments__');
  });

  it('refuses a message of topic format 1, naming the migration', () => {
    const formatOne = { key: 'c-42', value: JSON.stringify(purchase), headers: { ce_id: purchase.eventId, chronicle_position: '4711' }, offset: '5' };
    expect(() => decodeEventMessage(formatOne)).toThrow(/topic format 1.*Topic contract.*offset 5/);
  });

  it.each([
    ['a tombstone', (m: IncomingEventMessage) => ({ ...m, value: null }), /tombstone/],
    ['a value that is not JSON', (m: IncomingEventMessage) => ({ ...m, value: 'not json' }), /value is not JSON/],
    ['a missing position', (m: IncomingEventMessage) => ({ ...m, headers: { ...m.headers, [KafkaHeader.position]: undefined } }), /no ce_chronicleposition header/],
    ['a fractional revision', (m: IncomingEventMessage) => ({ ...m, headers: { ...m.headers, [KafkaHeader.revision]: '1.5' } }), /ce_chroniclerevision is "1.5", not an integer/],
    ['another spec version', (m: IncomingEventMessage) => ({ ...m, headers: { ...m.headers, [KafkaHeader.specVersion]: '0.3' } }), /ce_specversion/],
    ['structured mode', (m: IncomingEventMessage) => ({ ...m, headers: { ...m.headers, [KafkaHeader.contentType]: 'application/cloudevents+json' } }), /content-type/],
    ['a foreign source', (m: IncomingEventMessage) => ({ ...m, headers: { ...m.headers, [KafkaHeader.source]: 'https://elsewhere.example/' } }), /ce_source/],
    ['an actor without an id', (m: IncomingEventMessage) => ({ ...m, headers: { ...m.headers, [KafkaHeader.actor]: '{"type":"service"}' } }), /ce_actor/],
  ])('refuses %s, naming it', (_what, change, message) => {
    const received = change(asReceived(purchase, '99'));
    expect(() => decodeEventMessage(received)).toThrow(KafkaMessageFormatError);
    expect(() => decodeEventMessage(received)).toThrow(message);
  });

  it('reads the last value of a repeated header', () => {
    expect(headerText({ ce_id: [Buffer.from('a'), 'b'] }, 'ce_id')).toBe('b');
    expect(headerText(undefined, 'ce_id')).toBeUndefined();
  });

  it('writes the relay\'s watermark record as a CloudEvent of its own type, which the SDK reads and an event is not', () => {
    const encoded = encodeWatermarkMessage({ position: 4711, partitions: 6 }, 3);
    expect(encoded).toMatchObject({ key: null, partition: 3 });
    const read = Kafka.toEvent({ key: '', value: encoded.value, headers: { ...encoded.headers }, body: encoded.value } as KafkaMessage<string>) as CloudEvent<unknown>;
    expect(read.validate()).toBe(true);
    expect(read).toMatchObject({ specversion: '1.0', type: WATERMARK_TYPE, source: '/chronicle/relay', datacontenttype: 'application/json', data: { position: 4711, partitions: 6 } });
    // Two records of the same position (a restarted relay repeats one) are still two CloudEvents.
    expect(encodeWatermarkMessage({ position: 4711, partitions: 6 }, 3).headers['ce_id']).not.toBe(encoded.headers['ce_id']);
    const received = { key: null, value: Buffer.from(encoded.value), headers: Object.fromEntries(Object.entries(encoded.headers).map(([k, v]) => [k, Buffer.from(v)])) };
    expect(watermarkOf(received)).toEqual({ position: 4711, partitions: 6 });
    expect(watermarkOf(asReceived(purchase))).toBeUndefined();
  });

  it.each([
    ['no value', null],
    ['a value that is not JSON', 'nope'],
    ['a fractional position', '{"position":1.5,"partitions":6}'],
    ['no partition count', '{"position":15}'],
  ])('refuses a watermark record with %s', (_what, value) => {
    const encoded = encodeWatermarkMessage({ position: 15, partitions: 6 }, 0);
    expect(() => watermarkOf({ key: null, value, headers: encoded.headers, offset: '7' })).toThrow(/chronicle\.watermark record's value .*offset 7/);
  });
});
