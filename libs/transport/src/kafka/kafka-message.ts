// The one Kafka message format of Chronicle's event topic, shared by the relay (encode) and the
// projector (decode): a CloudEvent 1.0 in the Kafka protocol binding's binary content mode. Both
// sides import this file, so the format cannot drift between them. The contract a consumer reads is
// deploy/README.md, "Topic contract"; this header is its short form.
//
// Key:     the customer id; an event about no customer (a segment definition, whose customer id is
//          the `__segments__` placeholder) is keyed by its stream id (`segment-<id>`). Kafka orders
//          per partition and the default partitioner hashes the key, so a customer's events (and a
//          segment's definition events) keep their log order.
// Value:   UTF-8 JSON of the business payload (`data`) exactly as stored: current schema version,
//          personal values still sealed (`enc1:...`).
// Headers: `content-type: application/json` (the datacontenttype) and one `ce_<attribute>` header
//          per CloudEvents attribute, all UTF-8 strings:
//            specversion "1.0" · id = eventId · type = event type · source = `/chronicle/<source>`
//            (metadata.source, percent-encoded) · subject = customer id · time = occurredAt
//          Extension attributes (lowercase a-z0-9, at most 20 characters, as the spec asks):
//            chronicleposition · chroniclerevision · chroniclestream · schemaversion ·
//            recordedtime (the spec's documented extension: store time) · correlationid ·
//            causationid · idempotencykey · actor (JSON) · onbehalfof · datakeyid
//            (the last four and causationid only when the envelope has them).
// Timestamp: recordedAt in epoch milliseconds (Kafka CreateTime), so time-based offset lookups
//          line up with the store's clock.
// Besides events, the topic carries the relay's watermark records (type `chronicle.watermark`, below).
import { randomUUID } from 'node:crypto';
import type { Actor, EventMetadata, RecordedEvent } from '@app/event-sourcing';

/** The topic's name carries the format version: format 1 (the whole envelope as the value) was `chronicle.events`. */
export const DEFAULT_EVENTS_TOPIC = 'chronicle.events.v2';
export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const EVENT_CONTENT_TYPE = 'application/json';
/** `source` of every event: this prefix, then the publishing system's name (metadata.source), percent-encoded. */
export const EVENT_SOURCE_PREFIX = '/chronicle/';
/**
 * Customer ids from the API start with a letter or digit; one starting with `__` is a placeholder for
 * events about no customer (segment definitions use `__segments__`), and such events are keyed by stream.
 */
const NO_CUSTOMER_PREFIX = '__';

export const KafkaHeader = {
  contentType: 'content-type',
  specVersion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  time: 'ce_time',
  position: 'ce_chronicleposition',
  revision: 'ce_chroniclerevision',
  stream: 'ce_chroniclestream',
  schemaVersion: 'ce_schemaversion',
  recordedAt: 'ce_recordedtime',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  idempotencyKey: 'ce_idempotencykey',
  actor: 'ce_actor',
  onBehalfOf: 'ce_onbehalfof',
  dataKeyId: 'ce_datakeyid',
} as const;

export type KafkaHeaderName = (typeof KafkaHeader)[keyof typeof KafkaHeader];

/** Headers of format 1, which this release no longer reads (deploy/README.md, "Topic contract", Versions). */
const FORMAT_1_HEADER = 'chronicle_position';

/** What the relay hands to the producer; structurally a kafkajs `Message`. */
export interface EncodedEventMessage {
  readonly key: string;
  readonly value: string;
  /** Only the attributes the event has: absent ones are left out, never empty. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

/** What the consumer hands over; structurally a kafkajs `KafkaMessage` (or a kcat line parsed back). */
export interface IncomingEventMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  readonly offset?: string;
}

/** A message on the event topic that is not a Chronicle event in this format. */
export class KafkaMessageFormatError extends Error {
  constructor(message: string, readonly offset?: string) {
    super(offset === undefined ? message : `${message} (offset ${offset})`);
    this.name = 'KafkaMessageFormatError';
  }
}

/** The Kafka key of an event: its customer, or its stream for an event about no customer. */
export function partitionKeyOf(event: Pick<RecordedEvent, 'streamId' | 'metadata'>): string {
  const { customerId } = event.metadata;
  return customerId.startsWith(NO_CUSTOMER_PREFIX) ? event.streamId : customerId;
}

export function encodeEventMessage(event: RecordedEvent): EncodedEventMessage {
  // Every metadata field is named here: a field added to EventMetadata leaves `unmapped` non-empty
  // and this stops compiling until it has an attribute (and a line in the topic contract).
  const {
    customerId, schemaVersion, occurredAt, actor, onBehalfOf, source, correlationId, causationId, idempotencyKey, dataKeyId,
    ...unmapped
  } = event.metadata;
  const none: Record<string, never> = unmapped;
  void none;
  // Written by hand rather than through the SDK's Kafka.binary(new CloudEvent(...)): the relay encodes
  // every event of the log, and the SDK's constructor validates with JSON Schema each time. The specs
  // check these headers against what the SDK writes and reads (kafka-message.spec.ts).
  const headers: Record<string, string> = {
    [KafkaHeader.contentType]: EVENT_CONTENT_TYPE,
    [KafkaHeader.specVersion]: CLOUDEVENTS_SPEC_VERSION,
    [KafkaHeader.id]: event.eventId,
    [KafkaHeader.type]: event.type,
    [KafkaHeader.source]: EVENT_SOURCE_PREFIX + encodeURIComponent(source),
    [KafkaHeader.subject]: customerId,
    [KafkaHeader.time]: occurredAt,
    [KafkaHeader.position]: String(event.position),
    [KafkaHeader.revision]: String(event.revision),
    [KafkaHeader.stream]: event.streamId,
    [KafkaHeader.schemaVersion]: String(schemaVersion),
    [KafkaHeader.recordedAt]: event.recordedAt,
    [KafkaHeader.correlationId]: correlationId,
    [KafkaHeader.actor]: JSON.stringify(actor),
  };
  // Absent attributes stay absent (CloudEvents has no null): causationId null, no idempotency key...
  if (causationId !== null && causationId !== undefined) headers[KafkaHeader.causationId] = causationId;
  if (idempotencyKey !== undefined) headers[KafkaHeader.idempotencyKey] = idempotencyKey;
  if (onBehalfOf !== undefined) headers[KafkaHeader.onBehalfOf] = onBehalfOf.id;
  if (dataKeyId !== undefined) headers[KafkaHeader.dataKeyId] = dataKeyId;
  const recordedAtMs = Date.parse(event.recordedAt);
  return {
    key: partitionKeyOf(event),
    value: JSON.stringify(event.data),
    headers,
    timestamp: String(Number.isNaN(recordedAtMs) ? Date.now() : recordedAtMs),
  };
}

/**
 * Rebuilds the stored event from a message: attributes give the envelope, the value gives `data`.
 * Anything missing or malformed is refused with the header it concerns, never projected half-read.
 */
export function decodeEventMessage(message: IncomingEventMessage): RecordedEvent {
  const fail = (why: string): never => {
    throw new KafkaMessageFormatError(why, message.offset);
  };
  const optional = (name: KafkaHeaderName): string | undefined => headerText(message.headers, name);
  const required = (name: KafkaHeaderName): string => {
    const value = optional(name);
    return value === undefined ? fail(`Message has no ${name} header`) : value;
  };
  const integer = (name: KafkaHeaderName): number => {
    const text = required(name);
    const value = Number(text);
    return /^(0|[1-9][0-9]*)$/.test(text) && Number.isSafeInteger(value) ? value : fail(`Header ${name} is "${text}", not an integer`);
  };

  if (optional(KafkaHeader.position) === undefined && headerText(message.headers, FORMAT_1_HEADER) !== undefined) {
    fail('Message is in topic format 1 (the whole envelope as its value), which this release does not read: move to a new topic (deploy/README.md, "Topic contract")');
  }
  if (message.value === null) fail('Message has no value (tombstone) on the event topic');
  const specVersion = required(KafkaHeader.specVersion);
  if (specVersion !== CLOUDEVENTS_SPEC_VERSION) fail(`Header ${KafkaHeader.specVersion} is "${specVersion}", not "${CLOUDEVENTS_SPEC_VERSION}"`);
  const contentType = required(KafkaHeader.contentType);
  if (contentType !== EVENT_CONTENT_TYPE) fail(`Header ${KafkaHeader.contentType} is "${contentType}", not "${EVENT_CONTENT_TYPE}"`);
  const source = required(KafkaHeader.source);
  if (!source.startsWith(EVENT_SOURCE_PREFIX)) fail(`Header ${KafkaHeader.source} is "${source}", not under ${EVENT_SOURCE_PREFIX}`);
  let publisher = '';
  try {
    publisher = decodeURIComponent(source.slice(EVENT_SOURCE_PREFIX.length));
  } catch {
    fail(`Header ${KafkaHeader.source} is not percent-encoded text`);
  }
  let actor: unknown;
  try {
    actor = JSON.parse(required(KafkaHeader.actor));
  } catch {
    fail(`Header ${KafkaHeader.actor} is not JSON`);
  }
  if (!isRecord(actor) || typeof actor['type'] !== 'string' || typeof actor['id'] !== 'string') {
    fail(`Header ${KafkaHeader.actor} is not an actor object with a type and an id`);
  }
  let data: unknown;
  try {
    data = JSON.parse(textOf(message.value as Buffer | string));
  } catch {
    fail('Message value is not JSON');
  }

  const onBehalfOf = optional(KafkaHeader.onBehalfOf);
  const idempotencyKey = optional(KafkaHeader.idempotencyKey);
  const dataKeyId = optional(KafkaHeader.dataKeyId);
  const metadata: EventMetadata = {
    customerId: required(KafkaHeader.subject),
    schemaVersion: integer(KafkaHeader.schemaVersion),
    occurredAt: required(KafkaHeader.time),
    actor: actor as unknown as Actor,
    ...(onBehalfOf !== undefined ? { onBehalfOf: { id: onBehalfOf } } : {}),
    source: publisher,
    correlationId: required(KafkaHeader.correlationId),
    causationId: optional(KafkaHeader.causationId) ?? null,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(dataKeyId !== undefined ? { dataKeyId } : {}),
  };
  return {
    eventId: required(KafkaHeader.id),
    type: required(KafkaHeader.type),
    streamId: required(KafkaHeader.stream),
    revision: integer(KafkaHeader.revision),
    position: integer(KafkaHeader.position),
    data,
    metadata,
    recordedAt: required(KafkaHeader.recordedAt),
  };
}

/**
 * The relay's progress record: after each batch the broker acknowledged, the relay writes one to every
 * partition of the topic, a CloudEvent of type `chronicle.watermark` (no key, source `/chronicle/relay`)
 * whose data says `{"position": R, "partitions": P}`: every event of this partition at or below global
 * position R was written to it before this record, and the topic had P partitions. A consumer of the
 * events skips it; a projector records it, so that "every position up to W is applied" can be said
 * across partitions that progress apart (the least of the partitions' watermarks), idle ones included.
 */
export const WATERMARK_TYPE = 'chronicle.watermark';
export const WATERMARK_SOURCE = `${EVENT_SOURCE_PREFIX}relay`;

export interface Watermark {
  readonly position: number;
  readonly partitions: number;
}

/** The watermark record for one partition, as the relay hands it to the producer. */
export function encodeWatermarkMessage(watermark: Watermark, partition: number): Omit<EncodedEventMessage, 'key'> & { readonly key: null; readonly partition: number } {
  return {
    key: null,
    partition,
    value: JSON.stringify({ position: watermark.position, partitions: watermark.partitions }),
    headers: {
      [KafkaHeader.contentType]: EVENT_CONTENT_TYPE,
      [KafkaHeader.specVersion]: CLOUDEVENTS_SPEC_VERSION,
      // Unique per record (a restarted relay repeats a position): CloudEvents consumers dedupe by source + id.
      [KafkaHeader.id]: `watermark-${watermark.position}-${partition}-${randomUUID()}`,
      [KafkaHeader.type]: WATERMARK_TYPE,
      [KafkaHeader.source]: WATERMARK_SOURCE,
      [KafkaHeader.time]: new Date().toISOString(),
    },
    timestamp: String(Date.now()),
  };
}

/** The watermark a message carries, or undefined for any other message (an event). Refuses a malformed one. */
export function watermarkOf(message: IncomingEventMessage): Watermark | undefined {
  if (headerText(message.headers, KafkaHeader.type) !== WATERMARK_TYPE) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(message.value === null ? 'null' : textOf(message.value));
  } catch {
    body = undefined;
  }
  const count = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
  if (!isRecord(body) || !count(body['position']) || !count(body['partitions'])) {
    throw new KafkaMessageFormatError(`A ${WATERMARK_TYPE} record's value is not {"position": <integer>, "partitions": <integer>}`, message.offset);
  }
  return { position: body['position'], partitions: body['partitions'] };
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
