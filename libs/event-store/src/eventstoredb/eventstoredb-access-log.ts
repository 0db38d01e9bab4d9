// The production AccessLog: one system stream, `$chronicle-access-log`, of `$chronicle-access`
// events. `$` streams and types never reach the global log that subscriptions, the relay and the
// projectors read (they filter system events out), and EventStoreDB streams are append-only.
// Group commit: entries recorded while an append is in flight go together in the next append.
// Queries read the stream forward from a cursor (the revision), starting from a binary search on the
// entries' time when `from` is given; customer and actor filters are applied while reading.
import { ANY, BACKWARDS, END, EventStoreDBClient, FORWARDS, jsonEvent, StreamNotFoundError, type JSONType } from '@eventstore/db-client';
import { checkAccessQueryInstants, type AccessEntry, type AccessLog, type AccessPage, type AccessQuery, type RecordedAccess } from '../access-log.port';
import { InvalidInstantError, isInstant } from '@app/event-sourcing';

export const ACCESS_LOG_STREAM = '$chronicle-access-log';
const ACCESS_EVENT_TYPE = '$chronicle-access';
/** Readers' clocks may differ a little: a time search starts this much earlier and filters exactly. */
const CLOCK_SKEW_MS = 5 * 60_000;

interface Pending {
  readonly entry: AccessEntry;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class EventStoreDbAccessLog implements AccessLog {
  private readonly client: EventStoreDBClient;
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  record(entry: AccessEntry): Promise<void> {
    if (!isInstant(entry.at)) return Promise.reject(new InvalidInstantError('at'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  async query(query: AccessQuery): Promise<AccessPage> {
    checkAccessQueryInstants(query);
    let from: bigint = query.after === undefined ? 0n : BigInt(query.after) + 1n;
    if (query.after === undefined && query.from !== undefined) from = await this.firstRevisionAtOrAfter(new Date(Date.parse(query.from) - CLOCK_SKEW_MS).toISOString());
    const fromAt = query.from === undefined ? undefined : new Date(query.from).toISOString();
    const toAt = query.to === undefined ? undefined : new Date(query.to).toISOString();
    const entries: RecordedAccess[] = [];
    let more = false;
    try {
      for await (const resolved of this.client.readStream(ACCESS_LOG_STREAM, { direction: FORWARDS, fromRevision: from })) {
        const event = resolved.event;
        if (event?.type !== ACCESS_EVENT_TYPE) continue;
        const entry = event.data as unknown as AccessEntry;
        if (toAt !== undefined && entry.at >= new Date(Date.parse(toAt) + CLOCK_SKEW_MS).toISOString()) break;
        if (fromAt !== undefined && entry.at < fromAt) continue;
        if (toAt !== undefined && entry.at >= toAt) continue;
        if (query.customerId !== undefined && entry.customerId !== null && entry.customerId !== query.customerId) continue;
        if (query.actor !== undefined && entry.actor.id !== query.actor && entry.actor.name !== query.actor) continue;
        if (entries.length === query.limit) {
          more = true;
          break;
        }
        entries.push({ ...entry, id: event.revision.toString() });
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return { entries, next: more ? (entries[entries.length - 1]?.id ?? null) : null };
  }

  async close(): Promise<void> {
    await this.writing;
    await this.client.dispose();
  }

  /** Appends whatever is queued, in as few appends as the arrivals allow. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, 500);
      try {
        await this.client.appendToStream(
          ACCESS_LOG_STREAM,
          group.map(({ entry }) => jsonEvent({ type: ACCESS_EVENT_TYPE, data: entry as unknown as JSONType })),
          { expectedRevision: ANY },
        );
        for (const pending of group) pending.resolve();
      } catch (error) {
        for (const pending of group) pending.reject(error);
      }
    }
    this.writing = null;
  }

  /** Entries are appended in time order (give or take the readers' clocks): binary search on revisions. */
  private async firstRevisionAtOrAfter(instant: string): Promise<bigint> {
    const atRevision = async (revision: bigint): Promise<string | null> => {
      for await (const resolved of this.client.readStream(ACCESS_LOG_STREAM, { direction: FORWARDS, fromRevision: revision, maxCount: 1n })) {
        return (resolved.event?.data as { at?: string } | undefined)?.at ?? null;
      }
      return null;
    };
    let last: bigint;
    try {
      let found: bigint | null = null;
      for await (const resolved of this.client.readStream(ACCESS_LOG_STREAM, { direction: BACKWARDS, fromRevision: END, maxCount: 1n })) found = resolved.event?.revision ?? null;
      if (found === null) return 0n;
      last = found;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return 0n;
      throw error;
    }
    let low = 0n;
    let high = last + 1n;
    while (low < high) {
      const middle = (low + high) / 2n;
      const at = await atRevision(middle);
      if (at === null || at >= instant) high = middle;
      else low = middle + 1n;
    }
    return low;
  }
}
