// Where a command's read of its stream starts: from the stream's latest snapshot when its decider
// keeps them (a cache of the fold at one revision), else from the first event. A snapshot is never
// trusted beyond what the stream confirms: it is used only when its version is the decider's and
// the stream still holds, at its revision, the very event it was taken after; anything else (another
// version, a store truncated or rebuilt, unreadable data) is ignored and the stream read whole.
import type { Decider, DomainEvent, RecordedEvent } from '@app/event-sourcing';
import type { Snapshot, SnapshotStore } from '@app/event-store';

/** The latest business time in a stream, and the event that has it (the chronological check's message names it). */
export interface Latest {
  readonly type: string;
  readonly occurredAt: string;
}

/** A stream's state at the snapshot's revision, confirmed by the stream: events after `event` are still to fold. */
export interface Resumed<S> {
  readonly state: S;
  /** The stream's event at the snapshot's revision, as read again now. */
  readonly event: RecordedEvent;
  /** Latest business time among the events folded into the snapshot. */
  readonly latest: Latest | null;
}

/** What a snapshot's data holds beside the encoded state. */
interface SnapshotData {
  readonly state: unknown;
  /** Id of the event at the snapshot's revision: the reader checks the stream still has it there. */
  readonly eventId: string;
  readonly latest: Latest | null;
}

export interface SnapshotSettings {
  readonly store: SnapshotStore;
  /**
   * A snapshot is written once a command has read at least this many events after the latest one
   * (SNAPSHOT_EVERY); 0 turns snapshots off (none read, none written).
   */
  readonly every: number;
  /**
   * A snapshot could not be read or written: the command was answered anyway (it read the stream
   * whole, or the cache stays older). For a log line; nothing else depends on it.
   */
  readonly onError?: (error: unknown, streamId: string) => void;
}

/** The later of two, the first one kept on a tie, as a scan of the stream in order keeps it. */
export function later(latest: Latest | null, event: Pick<RecordedEvent, 'type' | 'metadata'>): Latest | null {
  return latest === null || Date.parse(event.metadata.occurredAt) > Date.parse(latest.occurredAt) ? { type: event.type, occurredAt: event.metadata.occurredAt } : latest;
}

export function latestOf(events: readonly Pick<RecordedEvent, 'type' | 'metadata'>[], from: Latest | null = null): Latest | null {
  return events.reduce(later, from);
}

/**
 * The snapshot resumed from, when it fits the stream: `read` is the stream from the snapshot's
 * revision on (inclusive). Null when it does not fit or cannot be decoded: the caller reads the stream whole.
 */
export function resume<C, S, E extends DomainEvent>(decider: Decider<C, S, E>, snapshot: Snapshot, read: readonly RecordedEvent[]): Resumed<S> | null {
  const codec = decider.snapshot;
  if (codec === undefined || snapshot.version !== codec.version) return null;
  const data = snapshot.data as Partial<SnapshotData> | null;
  const [event] = read;
  if (event === undefined || event.revision !== snapshot.revision || typeof data !== 'object' || data === null || event.eventId !== data.eventId) return null;
  try {
    const latest = data.latest === null || (typeof data.latest?.type === 'string' && typeof data.latest.occurredAt === 'string') ? (data.latest ?? null) : undefined;
    if (latest === undefined) return null;
    return { state: codec.decode(data.state), event, latest };
  } catch {
    return null;
  }
}

/** The snapshot of a stream's state after `event` (its last event as read), for SnapshotStore.write. */
export function snapshotAt<S>(decider: Decider<unknown, S, DomainEvent>, state: S, event: RecordedEvent, latest: Latest | null): Snapshot {
  const codec = decider.snapshot as NonNullable<typeof decider.snapshot>;
  const data: SnapshotData = { state: codec.encode(state), eventId: event.eventId, latest };
  return { streamId: event.streamId, revision: event.revision, version: codec.version, customerId: event.metadata.customerId, data };
}
