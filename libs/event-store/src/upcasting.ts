// Upcasting on read: events stay stored as written; readers always see the current schema version.
import type { NewEvent, RecordedEvent } from '@app/event-sourcing';
import type {
  AppendResult,
  BatchHandler,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  StreamMetadata,
  SubscribeOptions,
  Subscription,
  VersionedStreamMetadata,
} from './event-store.port';

/** Lifts the payload of one event type from `fromVersion` to a later version (usually the next one). */
export interface Upcaster<TFrom = unknown, TTo = unknown> {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: TFrom): { data: TTo; version: number };
}

/** Applies upcasters in chains (v1 → v2 → v3) until no upcaster matches the event's type and version. */
function upcastEvent(upcasters: ReadonlyMap<string, Upcaster>, event: RecordedEvent): RecordedEvent {
  let data = event.data;
  let version = event.metadata.schemaVersion;
  for (let upcaster = upcasters.get(key(event.type, version)); upcaster; upcaster = upcasters.get(key(event.type, version))) {
    const lifted = upcaster.upcast(data);
    if (lifted.version <= version) {
      throw new Error(`Upcaster for ${event.type} v${version} must raise the version, but returned v${lifted.version}`);
    }
    data = lifted.data;
    version = lifted.version;
  }
  if (version === event.metadata.schemaVersion) return event;
  return { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
}

/** An EventStore that hands out upcast events on every read path; writes pass through unchanged. */
export class UpcastingEventStore implements EventStore {
  private readonly upcasters: ReadonlyMap<string, Upcaster>;

  constructor(
    private readonly inner: EventStore,
    upcasters: readonly Upcaster[],
  ) {
    const byKey = new Map<string, Upcaster>();
    for (const upcaster of upcasters) {
      const upcasterKey = key(upcaster.type, upcaster.fromVersion);
      if (byKey.has(upcasterKey)) throw new Error(`Two upcasters for ${upcaster.type} v${upcaster.fromVersion}`);
      byKey.set(upcasterKey, upcaster);
    }
    this.upcasters = byKey;
  }

  append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    return this.inner.append(streamId, events, options);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(streamId, options)).map((event) => this.upcast(event));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readAll(options)).map((event) => this.upcast(event));
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.inner.subscribeToAll(options, (events) => handler(events.map((event) => this.upcast(event))));
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  getStreamMetadata(streamId: string): Promise<StreamMetadata> {
    return this.inner.getStreamMetadata(streamId);
  }

  setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void> {
    return this.inner.setStreamMetadata(streamId, metadata);
  }

  readStreamMetadata(streamId: string): Promise<VersionedStreamMetadata> {
    return this.inner.readStreamMetadata(streamId);
  }

  compareAndSetStreamMetadata(streamId: string, metadata: StreamMetadata, expectedRevision: number | null): Promise<boolean> {
    return this.inner.compareAndSetStreamMetadata(streamId, metadata, expectedRevision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private upcast(event: RecordedEvent): RecordedEvent {
    return upcastEvent(this.upcasters, event);
  }
}

function key(type: string, version: number): string {
  return `${type}\u0000${version}`;
}
