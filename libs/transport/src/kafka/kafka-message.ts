// The one Kafka message format of Chronicle's event topic, shared by the relay (encode) and the
// projector (decode). Both sides import this file, so the format cannot drift between them.
//
// Topic:   `chronicle.events` (configurable), one topic for the whole global log.
// Key:     metadata.customerId (UTF-8). Kafka orders messages per partition and the default
//          partitioner hashes the key, so every event of a customer keeps its global order.
// Value:   UTF-8 JSON of the whole RecordedEvent:
//          { eventId, type, streamId, revision, position, data, metadata, recordedAt }.
//          The value alone is enough to rebuild the event; headers are for routing and tooling.
// Headers: CloudEvents 1.0 Kafka protocol binding, binary content mode (names prefixed `ce_`):
//            ce_specversion  "1.0"
//            ce_id           eventId
//            ce_type         type
//            ce_source       metadata.source
//            ce_time         metadata.occurredAt (business time)
//            ce_subject      streamId
//            content-type    "application/json"
//          Chronicle extensions:
//            chronicle_position        global position (decimal string)
//            chronicle_revision        revision in its stream (decimal string)
//            chronicle_schema_version  metadata.schemaVersion (decimal string)
//            chronicle_recorded_at     recordedAt (store time, ISO-8601)
//            chronicle_correlation_id  metadata.correlationId
// Timestamp: recordedAt in epoch milliseconds (Kafka CreateTime), so time-based offset lookups
//          line up with the store's clock.
import type { EventMetadata, RecordedEvent } from '@app/event-sourcing';

export const DEFAULT_EVENTS_TOPIC = 'chronicle.events';
export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const EVENT_CONTENT_TYPE = 'application/json';

export const KafkaHeader = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  subject: 'ce_subject',
  contentType: 'content-type',
  position: 'chronicle_position',
  revision: 'chronicle_revision',
  schemaVersion: 'chronicle_schema_version',
  recordedAt: 'chronicle_recorded_at',
  correlationId: 'chronicle_correlation_id',
} as const;

export type KafkaHeaderName = (typeof KafkaHeader)[keyof typeof KafkaHeader];

/** What the relay hands to the producer; structurally a kafkajs `Message`. */
export interface EncodedEventMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<KafkaHeaderName, string>>;
  readonly timestamp: string;
}

/** What the consumer hands over; structurally a kafkajs `KafkaMessage` (or a kcat line parsed back). */
export interface IncomingEventMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  readonly offset?: string;
}

/** A message on the event topic that is not a Chronicle event, or whose headers contradict its body. */
export class KafkaMessageFormatError extends Error {
  constructor(message: string, readonly offset?: string) {
    super(offset === undefined ? message : `${message} (offset ${offset})`);
    this.name = 'KafkaMessageFormatError';
  }
}

export function encodeEventMessage(event: RecordedEvent): EncodedEventMessage {
  const { metadata } = event;
  // Spelled out field by field so the wire shape is exactly the documented one, whatever else an
  // adapter may have attached to the object it returned.
  const body: RecordedEvent = {
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position,
    data: event.data,
    metadata,
    recordedAt: event.recordedAt,
  };
  const recordedAtMs = Date.parse(event.recordedAt);
  return {
    key: metadata.customerId,
    value: JSON.stringify(body),
    headers: {
      [KafkaHeader.specVersion]: CLOUDEVENTS_SPEC_VERSION,
      [KafkaHeader.id]: event.eventId,
      [KafkaHeader.type]: event.type,
      [KafkaHeader.source]: metadata.source,
      [KafkaHeader.time]: metadata.occurredAt,
      [KafkaHeader.subject]: event.streamId,
      [KafkaHeader.contentType]: EVENT_CONTENT_TYPE,
      [KafkaHeader.position]: String(event.position),
      [KafkaHeader.revision]: String(event.revision),
      [KafkaHeader.schemaVersion]: String(metadata.schemaVersion),
      [KafkaHeader.recordedAt]: event.recordedAt,
      [KafkaHeader.correlationId]: metadata.correlationId,
    },
    timestamp: String(Number.isNaN(recordedAtMs) ? Date.now() : recordedAtMs),
  };
}

/**
 * Reads an event back from a message. The body is the source of truth; the identifying headers,
 * when present, must agree with it, so a message whose headers were rewritten on the way is
 * refused rather than projected under the wrong id or position.
 */
export function decodeEventMessage(message: IncomingEventMessage): RecordedEvent {
  const fail = (why: string): never => {
    throw new KafkaMessageFormatError(why, message.offset);
  };
  if (message.value === null) fail('Message has no value (tombstone) on the event topic');
  const text = textOf(message.value as Buffer | string);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail('Message value is not JSON');
  }
  if (!isRecord(parsed)) fail('Message value is not a JSON object');
  const body = parsed as Record<string, unknown>;
  const metadata = body['metadata'];
  if (!isRecord(metadata)) fail('Event has no metadata object');
  const meta = metadata as Record<string, unknown>;
  for (const field of ['eventId', 'type', 'streamId', 'recordedAt'] as const) {
    if (typeof body[field] !== 'string') fail(`Event field ${field} is not a string`);
  }
  for (const field of ['revision', 'position'] as const) {
    if (!Number.isSafeInteger(body[field])) fail(`Event field ${field} is not an integer`);
  }
  if (!('data' in body)) fail('Event has no data');
  for (const field of ['customerId', 'occurredAt', 'source', 'correlationId'] as const) {
    if (typeof meta[field] !== 'string') fail(`Event metadata.${field} is not a string`);
  }
  if (!Number.isSafeInteger(meta['schemaVersion'])) fail('Event metadata.schemaVersion is not an integer');

  const event: RecordedEvent = {
    eventId: body['eventId'] as string,
    type: body['type'] as string,
    streamId: body['streamId'] as string,
    revision: body['revision'] as number,
    position: body['position'] as number,
    data: body['data'],
    metadata: metadata as unknown as EventMetadata,
    recordedAt: body['recordedAt'] as string,
  };

  const agreeing: readonly [string, string][] = [
    [KafkaHeader.id, event.eventId],
    [KafkaHeader.type, event.type],
    [KafkaHeader.subject, event.streamId],
    [KafkaHeader.position, String(event.position)],
    [KafkaHeader.revision, String(event.revision)],
  ];
  for (const [name, expected] of agreeing) {
    const actual = headerText(message.headers, name);
    if (actual !== undefined && actual !== expected) {
      fail(`Header ${name} is "${actual}" but the event body says "${expected}"`);
    }
  }
  return event;
}

/** One header as text; a repeated header counts by its last value, as kafkajs delivers them. */
export function headerText(
  headers: IncomingEventMessage['headers'],
  name: string,
): string | undefined {
  const raw = headers?.[name];
  if (raw === undefined) return undefined;
  const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return last === undefined ? undefined : textOf(last);
}

function textOf(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
