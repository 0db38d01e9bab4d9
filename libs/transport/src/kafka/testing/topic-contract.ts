// What the topic contract (deploy/README.md, "Topic contract") promises a CloudEvents consumer for one
// stored envelope, written out from the documentation, not from the encoder: the unit specs and the
// consumer test on the real broker hold the messages to it.
import type { CloudEvent } from 'cloudevents';
import type { RecordedEvent } from '@app/event-sourcing';

/** The CloudEvents attributes that are not Chronicle's extensions (the SDK also exposes `data`). */
const STANDARD = new Set(['specversion', 'id', 'type', 'source', 'subject', 'time', 'datacontenttype', 'dataschema', 'data', 'data_base64', 'partitionkey']);

/** Chronicle's extension attributes of an envelope, as the contract lists them (strings on the wire, absent when the envelope has none). */
export function expectedExtensions(event: RecordedEvent): Record<string, string> {
  const m = event.metadata;
  return {
    chronicleposition: String(event.position),
    chroniclerevision: String(event.revision),
    chroniclestream: event.streamId,
    schemaversion: String(m.schemaVersion),
    recordedtime: event.recordedAt,
    correlationid: m.correlationId,
    actor: JSON.stringify(m.actor),
    ...(m.causationId !== null ? { causationid: m.causationId } : {}),
    ...(m.idempotencyKey !== undefined ? { idempotencykey: m.idempotencyKey } : {}),
    ...(m.onBehalfOf !== undefined ? { onbehalfof: m.onBehalfOf.id } : {}),
    ...(m.dataKeyId !== undefined ? { datakeyid: m.dataKeyId } : {}),
  };
}

/** The extension attributes a consumer's SDK read from a message. */
export function extensionsOf(event: CloudEvent<unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(event).filter(([name, value]) => !STANDARD.has(name) && value !== undefined));
}
