// Events as the domain reads them differ from events as stored: older schema versions are lifted to
// the current one (upcasting) and, where privacy is on, personal fields are encrypted at rest. An
// EventCodec does that translation; CodecEventStore applies it on every path of the EventStore port,
// so commands, projectors, reactors and audit views all read current, plain events.
import { DomainError, type EventSchemas, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { WrongExpectedRevisionError } from './event-store.port';
import type {
  AppendResult,
  BatchHandler,
  EventStore,
  ExpectedRevision,
  LogQuery,
  LogVerification,
  ReadAllOptions,
  ReadStreamOptions,
  ReadStreamsOptions,
  EventRef,
  StreamAppend,
  StreamAppendOutcome,
  StreamMetadata,
  SubscribeOptions,
  Subscription,
  VerifyLogOptions,
  VersionedStreamMetadata,
} from './event-store.port';

export interface EventCodec {
  /** Events as they are to be stored (e.g. personal fields encrypted). */
  encode(events: readonly NewEvent[]): Promise<readonly NewEvent[]>;
  /** Events as readers see them (e.g. upcast, then decrypted). */
  decode(events: readonly RecordedEvent[]): Promise<readonly RecordedEvent[]>;
}

/** Upcasting only: writes pass through, reads come out in each type's current shape. */
export function upcastingCodec(schemas: EventSchemas): EventCodec {
  return {
    encode: async (events) => events,
    decode: async (events) => events.map((event) => schemas.upcast(event)),
  };
}

/** Codecs in order: encode runs first to last, decode last to first (so decode undoes encode). */
export function composeCodecs(...codecs: readonly EventCodec[]): EventCodec {
  return {
    async encode(events) {
      let current = events;
      for (const codec of codecs) current = await codec.encode(current);
      return current;
    },
    async decode(events) {
      let current = events;
      for (const codec of [...codecs].reverse()) current = await codec.decode(current);
      return current;
    },
  };
}

export class CodecEventStore implements EventStore {
  constructor(
    /** The store as written, for parts that must see stored bytes (relay, integrity checks). */
    readonly inner: EventStore,
    readonly codec: EventCodec,
  ) {}

  async append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    return this.inner.append(streamId, await this.codec.encode(events), options);
  }

  /**
   * A codec may refuse an entry's content (a DomainError: personal data of a forgotten customer), as
   * `append` would: that entry is answered with the refusal, the later entries of its stream (decided
   * on it) with WrongExpectedRevisionError, and the rest is appended. Any other codec failure rejects the call.
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    const encoded = await Promise.allSettled(appends.map((entry) => this.codec.encode(entry.events)));
    const outcomes: (StreamAppendOutcome | undefined)[] = new Array(appends.length);
    const refusedStreams = new Set<string>();
    const written: StreamAppend[] = [];
    const writtenAt: number[] = [];
    for (const [index, entry] of appends.entries()) {
      const result = encoded[index];
      if (result.status === 'rejected' && !(result.reason instanceof DomainError)) throw result.reason;
      if (refusedStreams.has(entry.streamId)) {
        const [last] = await this.inner.readStream(entry.streamId, { direction: 'backwards', maxCount: 1 });
        outcomes[index] = { ok: false, error: new WrongExpectedRevisionError(entry.streamId, entry.expectedRevision, last ? last.revision : 'no_stream') };
      } else if (result.status === 'rejected') {
        refusedStreams.add(entry.streamId);
        outcomes[index] = { ok: false, error: result.reason as DomainError };
      } else {
        written.push({ ...entry, events: result.value });
        writtenAt.push(index);
      }
    }
    const appended = written.length === 0 ? [] : await this.inner.appendMany(written);
    appended.forEach((outcome, at) => (outcomes[writtenAt[at]] = outcome));
    return outcomes as StreamAppendOutcome[];
  }

  /** Decoded in one call, so a codec that fetches keys per customer does it once for the whole read. */
  async readStreams(streamIds: readonly string[], options?: ReadStreamsOptions): Promise<Map<string, RecordedEvent[]>> {
    const read = await this.inner.readStreams(streamIds, options);
    const decoded = await this.codec.decode([...read.values()].flat());
    const streams = new Map<string, RecordedEvent[]>([...read.keys()].map((streamId) => [streamId, []]));
    for (const event of decoded) (streams.get(event.streamId) as RecordedEvent[]).push(event);
    return streams;
  }

  async readEventsById(wanted: readonly EventRef[]): Promise<RecordedEvent[]> {
    return [...(await this.codec.decode(await this.inner.readEventsById(wanted)))];
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return [...(await this.codec.decode(await this.inner.readStream(streamId, options)))];
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return [...(await this.codec.decode(await this.inner.readAll(options)))];
  }

  async queryLog(query: LogQuery): Promise<RecordedEvent[]> {
    return [...(await this.codec.decode(await this.inner.queryLog(query)))];
  }

  /** The chains are over events as stored (ciphertext where privacy is on), so the codec plays no part. */
  verifyLog(options?: VerifyLogOptions): Promise<LogVerification> {
    return this.inner.verifyLog(options);
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const { contentOf } = options;
    if (contentOf === undefined) return this.inner.subscribeToAll(options, async (events) => handler(await this.codec.decode(events)));
    const read = new Set(contentOf);
    return this.inner.subscribeToAll(options, async (events) => {
      // Only the events whose content is read are decoded (in one call); the others keep their place.
      const decoded = await this.codec.decode(events.filter((event) => read.has(event.type)));
      let next = 0;
      await handler(events.map((event) => (read.has(event.type) ? decoded[next++] : event)));
    });
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

  async checkWritable(): Promise<void> {
    await this.inner.checkWritable?.();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
