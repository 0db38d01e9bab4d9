import type { RecordedEvent } from '@app/event-sourcing';
import {
  KafkaHeader,
  KafkaMessageFormatError,
  decodeEventMessage,
  encodeEventMessage,
  headerText,
  type IncomingEventMessage,
} from './kafka-message';

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
    actor: { type: 'service', id: 'shop' },
    source: 'shop',
    correlationId: 'corr-9',
    causationId: null,
    idempotencyKey: 'order-o-77',
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

describe('Kafka event message format', () => {
  it('round-trips a recorded event through Buffers unchanged', () => {
    expect(decodeEventMessage(asReceived(purchase))).toEqual(purchase);
  });

  it('keys by customer id and carries the CloudEvents and Chronicle headers', () => {
    const message = encodeEventMessage(purchase);
    expect(message.key).toBe('c-42');
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: purchase.eventId,
      ce_type: 'PurchaseCompleted',
      ce_source: 'shop',
      ce_time: '2025-03-01T10:15:00.000Z',
      ce_subject: 'order-o-77',
      'content-type': 'application/json',
      chronicle_position: '4711',
      chronicle_revision: '0',
      chronicle_schema_version: '2',
      chronicle_recorded_at: '2025-03-01T10:15:01.250Z',
      chronicle_correlation_id: 'corr-9',
    });
    expect(message.timestamp).toBe(String(Date.parse('2025-03-01T10:15:01.250Z')));
  });

  it('puts exactly the envelope fields in the body, nothing an adapter attached', () => {
    const withExtra = { ...purchase, internalRowId: 99 } as RecordedEvent;
    const body = JSON.parse(encodeEventMessage(withExtra).value) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      ['data', 'eventId', 'metadata', 'position', 'recordedAt', 'revision', 'streamId', 'type'],
    );
  });

  it('decodes a message without headers from its body alone', () => {
    const { headers: _dropped, ...bare } = asReceived(purchase);
    expect(decodeEventMessage(bare)).toEqual(purchase);
  });

  it('refuses a message whose position header contradicts the body', () => {
    const received = asReceived(purchase, '99');
    const tampered = { ...received, headers: { ...received.headers, [KafkaHeader.position]: Buffer.from('4712') } };
    expect(() => decodeEventMessage(tampered)).toThrow(KafkaMessageFormatError);
    expect(() => decodeEventMessage(tampered)).toThrow(/chronicle_position.*4712.*4711.*offset 99/);
  });

  it.each([
    ['a tombstone', null, /tombstone/],
    ['text that is not JSON', 'not json', /not JSON/],
    ['a JSON array', '[]', /not a JSON object/],
    ['an event without metadata', JSON.stringify({ ...purchase, metadata: undefined }), /metadata/],
    ['a fractional position', JSON.stringify({ ...purchase, position: 1.5 }), /position is not an integer/],
    ['a missing customer id', JSON.stringify({ ...purchase, metadata: { ...purchase.metadata, customerId: 7 } }), /customerId/],
  ])('refuses %s', (_what, value, message) => {
    expect(() => decodeEventMessage({ key: 'c-42', value })).toThrow(message);
  });

  it('reads the last value of a repeated header', () => {
    expect(headerText({ ce_id: [Buffer.from('a'), 'b'] }, 'ce_id')).toBe('b');
    expect(headerText(undefined, 'ce_id')).toBeUndefined();
  });
});
