// The production EventStore: EventStoreDB (KurrentDB) through @eventstore/db-client.
import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendResult as EsdbAppendResult,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type JSONType,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { canonicalJson, type EventMetadata, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { CHAIN_START } from '../hash-chain';
import {
  CHAIN_HASH_KEY, CUSTOMER_STREAM_EVENT_TYPE, customerStreamsStream, SEAL_EVENT_TYPE, SEALS_STREAM, streamChainHash, verifySealedLog, type Seal, type StoredChainedEvent,
} from './eventstoredb-chain';
import {
  DuplicateEventIdError,
  WrongExpectedRevisionError,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type ExpectedRevision,
  checkLogQueryInstants,
  type LogQuery,
  type LogVerification,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ReadStreamsOptions,
  type EventRef,
  type StreamAppend,
  type StreamAppendOutcome,
  type StreamMetadata,
  type SubscribeOptions,
  type Subscription,
  type VerifyLogOptions,
  type VersionedStreamMetadata,
} from '../event-store.port';

export interface EventStoreDbEventStoreOptions {
  /** Most events handed to a subscription handler at once when the subscriber gives no maxBatchSize. */
  readonly defaultBatchSize?: number;
}

type EsdbRecordedEvent = NonNullable<ResolvedEvent['event']>;

/** Appends under `any`/`stream_exists` re-read the stream's tail this often before giving up on a busy stream. */
const MAX_CHAIN_ATTEMPTS = 5;

/** Metadata key marking the events of one append attempt (see append). */
const APPEND_ATTEMPT = '$chronicleAppendAttempt';

function attemptOf(event: EsdbRecordedEvent): unknown {
  return isRecord(event.metadata) ? event.metadata[APPEND_ATTEMPT] : undefined;
}

export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly defaultBatchSize: number;
  private readonly subscriptions = new Set<EsdbSubscription>();

  /** `connectionString`: e.g. `esdb://admin:changeit@127.0.0.1:2113?tls=false`. */
  constructor(connectionString: string, options: EventStoreDbEventStoreOptions = {}) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.defaultBatchSize = options.defaultBatchSize ?? 500;
  }

  async append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const expectedRevision = options.expectedRevision;
    // The server deduplicates by event id alone and answers a deduplicated append like a first write
    // (newer servers even give the original position). A mark only this attempt carries tells them
    // apart on the read-back; like every `$` key it is the adapter's own and never leaves it.
    const attempt = randomUUID();
    if (events.length === 0) {
      const nothing = await this.appendNothing(streamId, expectedRevision);
      return nothing;
    }
    let appended: EsdbAppendResult;
    for (let chainAttempt = 1; ; chainAttempt++) {
      // Each event's hash chains to its stream predecessor, so the append must land exactly after the
      // event it chained to: `any` and `stream_exists` become the exact revision read just before.
      const tail = await this.chainTail(streamId, events, expectedRevision);
      let previous = tail.hash;
      const hashed = events.map((event, index) => {
        const hash = streamChainHash(previous, { ...event, streamId, revision: tail.revision + 1 + index });
        previous = hash;
        return jsonEvent({
          id: event.eventId,
          type: event.type,
          data: event.data as JSONType,
          metadata: { ...toEsdbMetadata(event.metadata), [APPEND_ATTEMPT]: attempt, [CHAIN_HASH_KEY]: hash },
        });
      });
      try {
        appended = await this.client.appendToStream(streamId, hashed, { expectedRevision: tail.revision < 0 ? NO_STREAM : BigInt(tail.revision) });
        break;
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          // Another writer appended between our read of the tail and the append: under `any` or
          // `stream_exists` chain to the new tail; an explicit expectation was simply not met.
          if (tail.exact && chainAttempt < MAX_CHAIN_ATTEMPTS) continue;
          const actual = error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion);
          throw new WrongExpectedRevisionError(streamId, expectedRevision, actual);
        }
        throw error;
      }
    }
    const nextExpectedRevision = Number(appended.nextExpectedRevision);
    const firstRevision = nextExpectedRevision - events.length + 1;
    const [first] = await this.readStored(streamId, firstRevision, 1);
    if (first?.event.id === events[0].eventId && attemptOf(first.event) === attempt) {
      const position = appended.position ? Number(appended.position.commit) : await this.positionOf(streamId, nextExpectedRevision);
      return { nextExpectedRevision, position, deduplicated: false };
    }
    // Written before, by another attempt: a retry only if it is the same events (type and canonical data).
    const stored = await this.readStored(streamId, firstRevision, events.length);
    for (const [index, event] of events.entries()) {
      const original = stored[index]?.event;
      const same =
        original !== undefined &&
        original.id === event.eventId &&
        original.type === event.type &&
        canonicalJson(original.data) === canonicalJson(event.data);
      if (!same) throw new DuplicateEventIdError(event.eventId, streamId);
    }
    return { nextExpectedRevision, position: stored[stored.length - 1].position, deduplicated: true };
  }

  /**
   * EventStoreDB has no transaction across streams: each stream's entries are appended in order
   * through `append` (atomic per entry, idempotent by event id), streams in parallel. The outcome of
   * each entry is the one SQLite gives; only atomicity across entries differs (see the port).
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    const outcomes: StreamAppendOutcome[] = new Array(appends.length);
    const byStream = new Map<string, number[]>();
    appends.forEach((entry, index) => {
      const indexes = byStream.get(entry.streamId);
      if (indexes) indexes.push(index);
      else byStream.set(entry.streamId, [index]);
    });
    await Promise.all(
      [...byStream.values()].map(async (indexes) => {
        let refused: WrongExpectedRevisionError | DuplicateEventIdError | undefined;
        for (const index of indexes) {
          const { streamId, events, expectedRevision } = appends[index];
          if (refused !== undefined) {
            // Decided on the refused entry: refused with it (see the port), with the stream's actual revision.
            const actual = refused instanceof WrongExpectedRevisionError ? refused.actual : await this.lastRevision(streamId);
            outcomes[index] = { ok: false, error: new WrongExpectedRevisionError(streamId, expectedRevision, actual) };
            continue;
          }
          try {
            outcomes[index] = { ok: true, result: await this.append(streamId, events, { expectedRevision }) };
          } catch (error) {
            if (!(error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError)) throw error;
            outcomes[index] = { ok: false, error };
            refused = error;
          }
        }
      }),
    );
    return outcomes;
  }

  /** Revision of the stream's last event, or 'no_stream'. */
  private async lastRevision(streamId: string): Promise<number | 'no_stream'> {
    try {
      for await (const resolved of this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1n })) {
        if (resolved.event) return Number(resolved.event.revision);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return 'no_stream';
  }

  /** One read per stream, all at once: the server has no multi-stream read but serves them in parallel. */
  async readStreams(streamIds: readonly string[], options: ReadStreamsOptions = {}): Promise<Map<string, RecordedEvent[]>> {
    const unique = [...new Set(streamIds)];
    const read = await Promise.all(unique.map((streamId) => this.readStream(streamId, { fromRevision: options.fromRevisions?.get(streamId) ?? 0 })));
    return new Map(unique.map((streamId, index) => [streamId, read[index]]));
  }

  /**
   * The server has no index by event id: each named stream is read backwards (newest first, where a
   * retry's events usually are) until every id asked of it is found, streams in parallel; a miss
   * reads the whole stream, as a command's read did before snapshots.
   */
  async readEventsById(wanted: readonly EventRef[]): Promise<RecordedEvent[]> {
    const byStream = new Map<string, Set<string>>();
    for (const ref of wanted) {
      let ids = byStream.get(ref.streamId);
      if (!ids) byStream.set(ref.streamId, (ids = new Set()));
      ids.add(ref.eventId);
    }
    const found = await Promise.all(
      [...byStream].map(async ([streamId, ids]) => {
        const events: RecordedEvent[] = [];
        try {
          for await (const resolved of this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END })) {
            const event = toRecordedEvent(resolved.event, resolved.commitPosition);
            if (!event || !ids.has(event.eventId)) continue;
            events.push(event);
            if (events.length === ids.size) break;
          }
        } catch (error) {
          if (!(error instanceof StreamNotFoundError)) throw error;
        }
        return events;
      }),
    );
    return found.flat();
  }

  /** An empty append only checks the expectation, as the server does; no chain is involved. */
  private async appendNothing(streamId: string, expectedRevision: ExpectedRevision): Promise<AppendResult> {
    let appended: EsdbAppendResult;
    try {
      appended = await this.client.appendToStream(streamId, [], { expectedRevision: toEsdbExpectedRevision(expectedRevision) });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevisionError(streamId, expectedRevision, error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion));
      }
      throw error;
    }
    const nextExpectedRevision = Number(appended.nextExpectedRevision);
    const position = appended.position ? Number(appended.position.commit) : await this.positionOf(streamId, nextExpectedRevision);
    return { nextExpectedRevision, position, deduplicated: false };
  }

  /**
   * Where an append continues its stream's chain: the revision it must land right after, that event's
   * hash, and whether the revision was read here (`any`, `stream_exists`: re-read on a conflict) rather
   * than given by the caller.
   */
  private async chainTail(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<{ revision: number; hash: string; exact: boolean }> {
    if (expected === 'no_stream') return { revision: -1, hash: CHAIN_START, exact: false };
    if (typeof expected === 'number') {
      // Missing (the stream is shorter): the server refuses the append with the actual revision.
      const [at] = await this.readStored(streamId, expected, 1);
      return { revision: expected, hash: chainHashOf(at?.event), exact: false };
    }
    let last: EsdbRecordedEvent | undefined;
    try {
      for await (const resolved of this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1n })) last = resolved.event;
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    if (last === undefined) {
      if (expected === 'stream_exists') throw new WrongExpectedRevisionError(streamId, expected, 'no_stream');
      return { revision: -1, hash: CHAIN_START, exact: true };
    }
    const lastRevision = Number(last.revision);
    // A retry of the append that is still the stream's tail lands where the original did, so the
    // server's duplicate check (exact revision) recognises it. EventStoreDB itself only promises
    // best-effort duplicate detection under `any`, and so does this: a retry with newer events after
    // it is refused as a duplicate id at best.
    if (last.id === events[events.length - 1]?.eventId && lastRevision + 1 >= events.length) {
      const before = lastRevision - events.length;
      const [at] = before >= 0 ? await this.readStored(streamId, before, 1) : [];
      return { revision: before, hash: before >= 0 ? chainHashOf(at?.event) : CHAIN_START, exact: true };
    }
    return { revision: lastRevision, hash: chainHashOf(last), exact: true };
  }

  async queryLog(query: LogQuery): Promise<RecordedEvent[]> {
    checkLogQueryInstants(query);
    if (query.types?.length === 0) return [];
    const maxCount = query.maxCount ?? Number.POSITIVE_INFINITY;
    if (maxCount <= 0) return [];
    const from = query.recordedFrom === undefined ? undefined : new Date(query.recordedFrom).toISOString();
    const before = query.recordedBefore === undefined ? undefined : new Date(query.recordedBefore).toISOString();
    const types = query.types === undefined ? undefined : new Set(query.types);
    const matches = (event: RecordedEvent): boolean =>
      (query.after === undefined || event.position > query.after) &&
      (query.until === undefined || event.position <= query.until) &&
      (types === undefined || types.has(event.type)) &&
      (from === undefined || event.recordedAt >= from) &&
      (before === undefined || event.recordedAt < before) &&
      (query.customerId === undefined || event.metadata.customerId === query.customerId);
    if (query.customerId !== undefined) return (await this.customerEvents(query.customerId)).filter(matches).slice(0, maxCount);

    // The seals double as a time index: start at the first seal that reaches `from`.
    let after = query.after;
    if (from !== undefined) after = Math.max(after ?? 0, await this.sealedPositionBefore(from));
    const found: RecordedEvent[] = [];
    for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: startPosition(after) })) {
      const event = toUserEvent(resolved);
      if (!event || (after !== undefined && event.position <= after)) continue;
      if (query.until !== undefined && event.position > query.until) break;
      if (!matches(event)) continue;
      found.push(event);
      if (found.length >= maxCount) break;
    }
    return found;
  }

  async verifyLog(options: VerifyLogOptions = {}): Promise<LogVerification> {
    return verifySealedLog(
      {
        events: this.storedEvents(),
        seals: this.seals(),
        previousHash: async (streamId, revision) => {
          const [at] = await this.readStored(streamId, revision, 1);
          return at ? chainHashOf(at.event) : null;
        },
        head: await this.headPosition(),
      },
      options,
    );
  }

  /**
   * Every event of one customer: the streams the sealer pointed to (`$chronicle-customer-<id>`),
   * read whole, plus whatever the log holds after the last seal (not pointed to yet). Without a
   * sealer that tail is the whole log: right, but a scan.
   */
  private async customerEvents(customerId: string): Promise<RecordedEvent[]> {
    const streams = new Set<string>();
    try {
      for await (const resolved of this.client.readStream(customerStreamsStream(customerId), { direction: FORWARDS, fromRevision: START })) {
        const pointer = resolved.event?.data as { streamId?: unknown } | undefined;
        if (resolved.event?.type === CUSTOMER_STREAM_EVENT_TYPE && typeof pointer?.streamId === 'string') streams.add(pointer.streamId);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    const byPosition = new Map<number, RecordedEvent>();
    const keep = (event: RecordedEvent): void => {
      if (event.metadata.customerId === customerId) byPosition.set(event.position, event);
    };
    const pending = [...streams];
    await Promise.all(
      Array.from({ length: Math.min(8, pending.length) }, async () => {
        for (let streamId = pending.shift(); streamId !== undefined; streamId = pending.shift()) for (const event of await this.readStream(streamId)) keep(event);
      }),
    );
    const tailFrom = (await readLastSeal(this.client))?.to;
    for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: startPosition(tailFrom) })) {
      const event = toUserEvent(resolved);
      if (event && (tailFrom === undefined || event.position > tailFrom)) keep(event);
    }
    return [...byPosition.values()].sort((a, b) => a.position - b.position);
  }

  /** The position just before the first sealed event recorded at or after `instant` (binary search over seals). */
  private async sealedPositionBefore(instant: string): Promise<number> {
    const last = await readLastSeal(this.client);
    if (last === null) return 0;
    const lastRecordedAt = (seal: Seal): string => seal.entries[seal.entries.length - 1]?.[4] ?? '';
    let low = 0n;
    let high = last.revision;
    while (low < high) {
      const middle = (low + high) / 2n;
      const seal = await readSealAt(this.client, middle);
      if (seal === null || lastRecordedAt(seal) >= instant) high = middle;
      else low = middle + 1n;
    }
    const first = await readSealAt(this.client, low);
    if (first === null || lastRecordedAt(first) < instant) return last.to;
    return Math.max(0, (first.entries[0]?.[0] ?? 1) - 1);
  }

  /** Every user event of $all as stored, with its stream-chain hash. */
  private async *storedEvents(): AsyncGenerator<StoredChainedEvent> {
    for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: START })) {
      const event = toStoredChainedEvent(resolved);
      if (event) yield event;
    }
  }

  private async *seals(): AsyncGenerator<Seal> {
    try {
      for await (const resolved of this.client.readStream(SEALS_STREAM, { direction: FORWARDS, fromRevision: START })) {
        if (resolved.event?.type === SEAL_EVENT_TYPE) yield resolved.event.data as unknown as Seal;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const fromRevision = options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision);
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        ...(options.maxCount === undefined ? {} : { maxCount: BigInt(options.maxCount) }),
      });
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved.event, resolved.commitPosition);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after;
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    const events: RecordedEvent[] = [];
    if (maxCount <= 0) return events;
    // Reading $all from a position includes the event at it; the port's `after` is exclusive.
    const read = this.client.readAll({ direction: FORWARDS, fromPosition: startPosition(after) });
    for await (const resolved of read) {
      const event = toUserEvent(resolved);
      if (!event || (after !== undefined && event.position <= after)) continue;
      events.push(event);
      if (events.length >= maxCount) break;
    }
    return events;
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const subscription = new EsdbSubscription(
      this.client,
      options.from === 'start' ? undefined : options.from.after,
      options.maxBatchSize ?? this.defaultBatchSize,
      options.types,
      options.onPassed,
      handler,
      (ended) => this.subscriptions.delete(ended),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<number> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END });
    for await (const resolved of read) {
      const event = toUserEvent(resolved);
      if (event) return event.position;
    }
    return 0;
  }

  async getStreamMetadata(streamId: string): Promise<StreamMetadata> {
    return (await this.readStreamMetadata(streamId)).metadata;
  }

  async readStreamMetadata(streamId: string): Promise<VersionedStreamMetadata> {
    try {
      const { metadata, metastreamRevision } = await this.client.getStreamMetadata(streamId);
      const revision = metastreamRevision === undefined ? null : Number(metastreamRevision);
      if (!metadata) return { metadata: {}, revision };
      const result: { maxCount?: number; custom?: Record<string, unknown> } = {};
      if (typeof metadata.maxCount === 'number') result.maxCount = metadata.maxCount;
      if (isRecord(metadata.custom)) result.custom = metadata.custom;
      return { metadata: result, revision };
    } catch (error) {
      if (error instanceof StreamNotFoundError) return { metadata: {}, revision: null };
      throw error;
    }
  }

  async setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void> {
    await this.client.setStreamMetadata(streamId, toEsdbStreamMetadata(metadata));
  }

  async compareAndSetStreamMetadata(streamId: string, metadata: StreamMetadata, expectedRevision: number | null): Promise<boolean> {
    try {
      // The metadata stream's own expected revision: EventStoreDB refuses the write if it moved on.
      await this.client.setStreamMetadata(streamId, toEsdbStreamMetadata(metadata), {
        expectedRevision: expectedRevision === null ? NO_STREAM : BigInt(expectedRevision),
      });
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  /** Events as stored (metadata with the adapter's own `$` keys), from a revision on. */
  private async readStored(streamId: string, fromRevision: number, count: number): Promise<{ event: EsdbRecordedEvent; position: number }[]> {
    const stored: { event: EsdbRecordedEvent; position: number }[] = [];
    if (fromRevision < 0) return stored;
    try {
      for await (const resolved of this.client.readStream(streamId, { direction: FORWARDS, fromRevision: BigInt(fromRevision), maxCount: BigInt(count) })) {
        const event = resolved.event;
        const commit = event?.position?.commit ?? resolved.commitPosition;
        if (event && commit !== undefined) stored.push({ event, position: Number(commit) });
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return stored;
      throw error;
    }
    return stored;
  }

  private async positionOf(streamId: string, revision: number): Promise<number> {
    const [event] = await this.readStream(streamId, { fromRevision: revision, maxCount: 1 });
    if (!event) throw new Error(`EventStoreDB reported ${streamId}@${revision} but it cannot be read back`);
    return event.position;
  }
}

/**
 * Catch-up subscription to $all (server-side filter: no system events), handed to the handler in batches.
 * The gRPC stream is paused while a batch is being handled, so a slow handler applies back-pressure.
 */
class EsdbSubscription implements Subscription {
  readonly done: Promise<void>;
  private readonly buffer: RecordedEvent[] = [];
  private readonly stream: AllStreamSubscription;
  private lastPosition: number;
  /** How far the server looked (its last checkpoint of a filtered subscription). */
  private passed = -1;
  private reportedPassed = -1;
  private closing = false;
  private failure: unknown = null;
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(
    client: EventStoreDBClient,
    after: number | undefined,
    private readonly maxBatchSize: number,
    types: readonly string[] | undefined,
    private readonly onPassed: ((position: number) => void) | undefined,
    private readonly handler: BatchHandler,
    private readonly onEnd: (subscription: EsdbSubscription) => void,
  ) {
    this.lastPosition = after ?? -1;
    // Subscription start positions are exclusive, as the port's `after` is.
    this.stream = client.subscribeToAll({
      fromPosition: startPosition(after),
      // User event types never start with `$`, so a filter on them leaves out the system events too.
      filter:
        types === undefined
          ? excludeSystemEvents()
          : eventTypeFilter({
              regex: exactly(types),
              // The server's checkpoints say how far it looked past events of other types; they
              // arrive in stream order, after every event before them.
              checkpointReached: (_subscription, position) => {
                this.passed = Math.max(this.passed, Number(position.commit));
                this.signal();
              },
            }),
    });
    this.stream.on('data', (resolved: AllStreamResolvedEvent) => {
      const event = toUserEvent(resolved);
      // Guard against a redelivery after a reconnect: strictly after the last position seen, or not at all.
      if (!event || event.position <= this.lastPosition) return;
      this.lastPosition = event.position;
      this.buffer.push(event);
      if (this.buffer.length >= this.maxBatchSize) this.stream.pause();
      this.signal();
    });
    this.stream.on('error', (error: Error) => {
      if (!this.closing) this.failure = error;
      this.signal();
    });
    this.stream.on('close', () => {
      this.ended = true;
      this.signal();
    });
    this.done = this.run();
    // A failure is reported through `done`; it must not also crash the process when nobody awaits it.
    this.done.catch(() => undefined);
  }

  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.signal();
      await this.stream.unsubscribe().catch(() => undefined);
    }
    await this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    try {
      while (!this.closing) {
        if (this.failure) throw this.failure;
        if (this.buffer.length === 0) {
          // Every event before the last checkpoint has been handled: the follower has passed it.
          if (this.passed > this.reportedPassed) {
            this.reportedPassed = this.passed;
            this.onPassed?.(this.passed);
          }
          if (this.ended) throw new Error('EventStoreDB subscription to $all ended unexpectedly');
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        const batch = this.buffer.splice(0, this.maxBatchSize);
        if (this.buffer.length < this.maxBatchSize && this.stream.isPaused()) this.stream.resume();
        await this.handler(batch);
      }
    } catch (error) {
      this.closing = true;
      await this.stream.unsubscribe().catch(() => undefined);
      throw error;
    } finally {
      this.onEnd(this);
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** The stored stream-chain hash of an event; '' for an event written before tamper evidence (see verifySealedLog). */
function chainHashOf(event: EsdbRecordedEvent | undefined): string {
  const hash = event && isRecord(event.metadata) ? event.metadata[CHAIN_HASH_KEY] : undefined;
  return typeof hash === 'string' ? hash : CHAIN_START;
}

/** A user event of $all as the chain walk and the sealer see it (null for system and non-JSON events). */
export function toStoredChainedEvent(resolved: AllStreamResolvedEvent): StoredChainedEvent | null {
  const event = toUserEvent(resolved);
  if (event === null) return null;
  const stored = resolved.event?.metadata;
  const hash = isRecord(stored) && typeof stored[CHAIN_HASH_KEY] === 'string' ? (stored[CHAIN_HASH_KEY] as string) : null;
  return { ...event, hash };
}

/** The newest seal, its revision in the seal stream and the last position it covers; null before the first. */
export async function readLastSeal(client: EventStoreDBClient): Promise<{ revision: bigint; seal: Seal; to: number } | null> {
  try {
    for await (const resolved of client.readStream(SEALS_STREAM, { direction: BACKWARDS, fromRevision: END, maxCount: 1n })) {
      const event = resolved.event;
      if (event?.type !== SEAL_EVENT_TYPE) continue;
      const seal = event.data as unknown as Seal;
      return { revision: event.revision, seal, to: seal.entries[seal.entries.length - 1]?.[0] ?? 0 };
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return null;
}

async function readSealAt(client: EventStoreDBClient, revision: bigint): Promise<Seal | null> {
  for await (const resolved of client.readStream(SEALS_STREAM, { direction: FORWARDS, fromRevision: revision, maxCount: 1n })) {
    if (resolved.event?.type === SEAL_EVENT_TYPE) return resolved.event.data as unknown as Seal;
  }
  return null;
}

/**
 * The port's number position is the event's commit position; for events appended without explicit
 * transactions the commit and prepare positions coincide. 0 (an empty store's head) means the beginning.
 */
export function startPosition(after: number | undefined): ReadPosition {
  return after === undefined || after <= 0 ? START : { commit: BigInt(after), prepare: BigInt(after) };
}

/** `$correlationId`/`$causationId` let EventStoreDB's own projections ($by_correlation_id) use the envelope. */
/** `maxCount` is EventStoreDB's own `$maxCount`; the application's part travels under one `custom` key. */
function toEsdbStreamMetadata(metadata: StreamMetadata): { maxCount?: number; custom?: Record<string, unknown> } {
  return {
    ...(metadata.maxCount === undefined ? {} : { maxCount: metadata.maxCount }),
    ...(metadata.custom === undefined ? {} : { custom: metadata.custom }),
  };
}

function toEsdbMetadata(metadata: EventMetadata): Record<string, unknown> {
  return {
    ...metadata,
    $correlationId: metadata.correlationId,
    ...(metadata.causationId === null ? {} : { $causationId: metadata.causationId }),
  };
}

function fromEsdbMetadata(metadata: unknown): EventMetadata {
  const envelope: Record<string, unknown> = {};
  if (isRecord(metadata)) {
    for (const [key, value] of Object.entries(metadata)) if (!key.startsWith('$')) envelope[key] = value;
  }
  return envelope as unknown as EventMetadata;
}

function toUserEvent(resolved: AllStreamResolvedEvent): RecordedEvent | null {
  const event = resolved.event;
  if (!event || event.type.startsWith('$') || event.streamId.startsWith('$')) return null;
  return toRecordedEvent(event, resolved.commitPosition);
}

/** Only JSON events are Chronicle events; anything else written to the server by other tools is left out. */
function toRecordedEvent(event: EsdbRecordedEvent | undefined, commitPosition: bigint | undefined): RecordedEvent | null {
  if (!event || !event.isJson) return null;
  const commit = event.position?.commit ?? commitPosition;
  if (commit === undefined) throw new Error(`EventStoreDB returned ${event.streamId}@${event.revision} without a log position`);
  return {
    eventId: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: Number(commit),
    type: event.type,
    data: event.data,
    metadata: fromEsdbMetadata(event.metadata),
    recordedAt: event.created.toISOString(),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A regular expression that matches exactly these names (an empty list matches nothing). */
function exactly(names: readonly string[]): string {
  if (names.length === 0) return '(?!)';
  return `^(?:${names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
}
