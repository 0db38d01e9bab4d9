// What the auditor's routes answer, as types: the OpenAPI document's schemas are generated from them
// (the composition's api-types.ts), and the controller builds its answers as these types.
import type { EventMetadata } from '@app/event-sourcing';
import type { RecordedAccess } from '@app/event-store';

/** An event with its whole envelope, in the order an auditor reads it. */
export interface AuditEnvelope {
  /**
   * Position in the global log.
   * @asType integer
   */
  readonly position: number;
  readonly streamId: string;
  /**
   * 0-based position in its stream.
   * @asType integer
   */
  readonly revision: number;
  readonly eventId: string;
  readonly type: string;
  /** When the store committed it (ISO-8601). */
  readonly recordedAt: string;
  readonly metadata: EventMetadata;
  /** The event's payload as its current schema version (personal fields decrypted, or erased once forgotten). */
  readonly data: unknown;
}

/** GET /v1/audit/streams/{streamId}: one page of a stream, oldest first. */
export interface AuditStreamPage {
  readonly streamId: string;
  readonly items: readonly AuditEnvelope[];
  /** Pass as `fromRevision` for the next page; null at the end. */
  readonly nextRevision: number | null;
}

/** GET /v1/audit/log: one page of the global log, in position order. */
export interface AuditLogPage {
  readonly items: readonly AuditEnvelope[];
  /** Pass as `after` for the next page; null at the end. */
  readonly nextAfter: number | null;
}

/** GET /v1/audit/access-log: one page of the access log, oldest first. */
export interface AccessLogPage {
  readonly items: readonly RecordedAccess[];
  /** Pass as `cursor` for the next page; null at the end. */
  readonly nextCursor: string | null;
}
