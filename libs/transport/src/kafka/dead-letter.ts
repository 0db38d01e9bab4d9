// The record the relay sets aside when the broker refuses an event: a pointer, not a copy. The event
// itself stays where it always is (the event store, the truth); the dead letter names it, says why it
// was refused, and is small enough for any broker. An operator handles it by raising the topic's
// max.message.bytes and republishing from the store (deploy/README.md, "Dead letters").
//
// Topic: `<event topic>.dead-letter`, one partition. A CloudEvent in binary mode like the event topic:
// key as the event's (partitionKeyOf), value UTF-8 JSON of DeadLetter below, headers content-type,
// ce_specversion, ce_id (the event's id), ce_type `chronicle.dead-letter`, ce_source `/chronicle/relay`
// (so source + id stays unique), ce_subject (the customer id), ce_time (when it was set aside).
import type { RecordedEvent } from '@app/event-sourcing';
import { CLOUDEVENTS_SPEC_VERSION, EVENT_CONTENT_TYPE, KafkaHeader, partitionKeyOf } from './kafka-message';

export const DEAD_LETTER_TYPE = 'chronicle.dead-letter';
export const DEAD_LETTER_SOURCE = '/chronicle/relay';

export interface DeadLetter {
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly customerId: string;
  readonly recordedAt: string;
  /** The topic the event was meant for. */
  readonly topic: string;
  /** The event message's value, uncompressed. */
  readonly sizeBytes: number;
  /** The topic's max.message.bytes when it was refused. */
  readonly limitBytes: number;
  /** The broker's answer. */
  readonly reason: string;
}

export interface DeadLetterMessage {
  readonly record: DeadLetter;
  readonly message: { readonly key: string; readonly value: string; readonly headers: Readonly<Record<string, string>>; readonly timestamp: string };
}

export function deadLetterMessage(
  event: RecordedEvent,
  refusal: { readonly reason: string; readonly sizeBytes: number; readonly limitBytes: number; readonly topic: string },
): DeadLetterMessage {
  const record: DeadLetter = {
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position,
    customerId: event.metadata.customerId,
    recordedAt: event.recordedAt,
    topic: refusal.topic,
    sizeBytes: refusal.sizeBytes,
    limitBytes: refusal.limitBytes,
    reason: refusal.reason,
  };
  const now = new Date();
  return {
    record,
    message: {
      key: partitionKeyOf(event),
      value: JSON.stringify(record),
      headers: {
        [KafkaHeader.contentType]: EVENT_CONTENT_TYPE,
        [KafkaHeader.specVersion]: CLOUDEVENTS_SPEC_VERSION,
        [KafkaHeader.id]: record.eventId,
        [KafkaHeader.type]: DEAD_LETTER_TYPE,
        [KafkaHeader.source]: DEAD_LETTER_SOURCE,
        [KafkaHeader.subject]: record.customerId,
        [KafkaHeader.time]: now.toISOString(),
      },
      timestamp: String(now.getTime()),
    },
  };
}
