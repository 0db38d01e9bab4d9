// Runs one command against one stream: load → decide → append with the expected revision, with
// deterministic event ids so that a retried command is recognised and answered with the first result.
import {
  canonicalJson,
  EventSchemas,
  deterministicEventId,
  newEventId,
  refuse,
  type Decider,
  type DomainEvent,
  type NewEvent,
  type RecordedEvent,
} from '@app/event-sourcing';
import { DuplicateEventIdError, WrongExpectedRevisionError, type EventRef, type EventStore, type Snapshot, type StreamAppend } from '@app/event-store';
import { IDEMPOTENCY_KEY_FIELD, ProblemException } from '../errors/problem.filter';
import type { CommandContext, CommandOutcome } from './command-context';
import { shareTurn } from '@app/threads';
import { latestOf, resume, snapshotAt, type Latest, type Resumed, type SnapshotSettings } from './stream-snapshots';

export interface StreamCommand<C, S, E extends DomainEvent> {
  readonly streamId: string;
  readonly decider: Decider<C, S, E>;
  readonly command: C;
  /**
   * The command's own identity within the stream when the source supplies one (a callId creating a
   * call stream, a refundId): the event ids derive from it, so a retried publish is recognised
   * without an Idempotency-Key, whichever key or route it comes with.
   */
  readonly naturalKey?: string;
  /**
   * The stream records one thing's life in order (a ticket, an order, an email, a customer): an event
   * may not be dated before one it follows, so a reply dated before its ticket was opened is refused
   * (422, occurredAt) instead of being counted as answered in time. Streams that gather facts arriving
   * late by nature (a loyalty account earning for a purchase recorded days later) leave this unset.
   */
  readonly chronological?: boolean;
  /**
   * The command starts its stream (a call, an order, a ticket, a registration): the stream is new but
   * for a retry, a reused id or a race. The first try then decides on the empty stream and appends
   * as to a new one without reading it; a stream already there refuses that append unwritten (and a
   * refusal or "nothing to do" on the empty stream is not trusted either), and the command runs as
   * any other: read, judged, retried. What it saves is the read of an empty stream, a B-tree descent
   * whose pages another connection's commit has just made stale (~12% of a single command's HTTP
   * thread on SQLite). Batches read all their streams in one query and do not use it.
   */
  readonly opensStream?: boolean;
  /**
   * The command field carrying the stream's id (`customerId` for `customer-…` and `loyalty-…`,
   * `orderId` for `order-…`): a concurrent change that outlives the retries is a 409 naming it.
   */
  readonly streamIdField?: CommandField<C>;
}

/** A field of the command (of any one of its kinds, for a union of commands). */
export type CommandField<C> = C extends unknown ? keyof C & string : never;

/** One command of a batch and the context it runs in (executeMany). */
export interface CommandRun<C, S, E extends DomainEvent> {
  readonly request: StreamCommand<C, S, E>;
  readonly context: CommandContext;
}

const MAX_ATTEMPTS = 5;

/** An event of this batch not written yet, as later commands of its stream see it; `position` is set once written. */
type PendingEvent = { -readonly [K in keyof RecordedEvent]: RecordedEvent[K] };

/**
 * One stream as a command (or a batch) goes through it: the events read after the snapshot it resumed
 * from (every event without one), then what the batch's commands decided, in order.
 */
interface StreamInBatch<S> {
  readonly history: RecordedEvent[];
  /** The snapshot the read resumed from, confirmed by the stream; null when the stream was read whole. */
  readonly resumed: Resumed<S> | null;
  /** The decider's state after `history`, computed when first needed. */
  state?: S;
  /** The snapshot to write once the batch appended to the stream (taken of the state as read). */
  snapshot?: Snapshot;
}

/** The stream's last event: of the history, else the one the snapshot was taken at; undefined for a new stream. */
function lastOf(stream: StreamInBatch<unknown>): RecordedEvent | undefined {
  return stream.history.at(-1) ?? stream.resumed?.event;
}

function latestIn(stream: StreamInBatch<unknown>): Latest | null {
  return latestOf(stream.history, stream.resumed?.latest ?? null);
}

export interface CommandExecutorOptions {
  /** Longest executeMany decides without letting queued I/O through, in ms (default TURN_MS). */
  readonly turnMs?: number;
  /**
   * Largest event, in bytes of its JSON (data and metadata), the store takes (MAX_EVENT_BYTES). Kept
   * under the event topic's max.message.bytes, so every appended event can also be published.
   */
  readonly maxEventBytes?: number;
  /** Snapshots of the streams whose deciders keep them (Decider.snapshot); none without. */
  readonly snapshots?: SnapshotSettings;
}

/** Refuses an event larger than the limit before it reaches the store, naming its largest field. */
function assertWithinSize(event: NewEvent, maxBytes: number): void {
  const bytes = Buffer.byteLength(JSON.stringify({ data: event.data, metadata: event.metadata }));
  if (bytes <= maxBytes) return;
  const data = typeof event.data === 'object' && event.data !== null ? Object.entries(event.data as Record<string, unknown>) : [];
  let field = 'body';
  let largest = -1;
  for (const [name, value] of data) {
    const size = Buffer.byteLength(JSON.stringify(value) ?? '');
    if (size > largest) [field, largest] = [name, size];
  }
  const detail = `The ${event.type} event this request records would take ${bytes} bytes, more than the ${maxBytes} an event may (MAX_EVENT_BYTES); ${field} is its largest field (${largest} bytes)`;
  throw new ProblemException(413, detail, { code: 'EVENT_TOO_LARGE', errors: [{ field, message: detail }] });
}

/** A conflict the retries could not get past, naming the command field that carries the stream's id. */
function namingTheStream(error: unknown, field: string | undefined, identity: Identity | undefined): unknown {
  if (error instanceof DuplicateEventIdError) {
    // The ids derive from the natural id (the stream's own field) or from the Idempotency-Key.
    const from = identity?.natural ? field : IDEMPOTENCY_KEY_FIELD;
    return from === undefined ? error : new DuplicateEventIdError(error.eventId, error.streamId, from);
  }
  if (!(error instanceof WrongExpectedRevisionError) || field === undefined) return error;
  return new WrongExpectedRevisionError(error.streamId, error.expected, error.actual, field);
}

/** Event data as a store gives it back: JSON, so undefined fields are gone. */
function asStored(data: unknown): unknown {
  return data === undefined ? undefined : JSON.parse(JSON.stringify(data));
}

/**
 * The context a command's events are recorded with on a stream whose events follow each other in
 * time: a business time the client gave before the latest one already there is refused; a time the
 * server assigned (no occurredAt sent) that is before it becomes it (that latest time lies ahead of
 * now only because a client's clock ran fast, within the skew commandTime allows).
 */
function inTimeOrder(streamId: string, latest: Latest | null, context: CommandContext): CommandContext {
  if (latest === null || Date.parse(context.occurredAt) >= Date.parse(latest.occurredAt)) return context;
  if (context.occurredAtAssigned === true) return { ...context, occurredAt: new Date(latest.occurredAt).toISOString() };
  throw refuse.rule(`occurredAt ${context.occurredAt} is before ${latest.type} at ${latest.occurredAt}: the events of ${streamId} follow each other in time`, 'occurredAt');
}

/** What a command's event ids derive from: its natural key, else the Idempotency-Key it was sent with. */
interface Identity {
  readonly natural: boolean;
  readonly parts: readonly string[];
}

function identityOf(naturalKey: string | undefined, context: CommandContext): Identity | undefined {
  if (naturalKey !== undefined) return { natural: true, parts: [`natural:${naturalKey}`] };
  const claimed = context.idempotency;
  if (claimed === undefined) return undefined;
  return { natural: false, parts: ['key', claimed.apiKeyId, claimed.key, claimed.item === undefined ? '' : String(claimed.item)] };
}

/**
 * Exactly one of any set of concurrent executions of one command writes its events (the store
 * admits one append per event id) and answers `replayed: false`; every other one answers the same
 * result with `replayed: true`, or the domain's refusal when it is not the same command.
 */
export class CommandExecutor {
  private readonly snapshotWrites = new Set<Promise<void>>();
  /** The last command of each stream with commands in flight in this process (settled, never rejected). */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: EventStore,
    /** Where each event type's current schema version comes from (version 1 for undeclared types). */
    private readonly schemas: EventSchemas = EventSchemas.none(),
    private readonly options: CommandExecutorOptions = {},
  ) {}

  /**
   * Commands on one stream run one after another within this process, each on the stream its
   * predecessor left, so they never meet each other as a conflict: sixteen parallel replies to one
   * ticket used to race for the same revision and exhaust the retries (409 CONFLICT). A command on a
   * stream with nothing in flight starts at once. Other writers (processes, batches) are still met by
   * the retries.
   */
  execute<C extends { readonly type: string }, S, E extends DomainEvent>(request: StreamCommand<C, S, E>, context: CommandContext): Promise<CommandOutcome> {
    const { streamId } = request;
    const previous = this.tails.get(streamId);
    const run = previous === undefined ? this.executeInTurn(request, context) : previous.then(() => this.executeInTurn(request, context));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(streamId, tail);
    void tail.then(() => {
      if (this.tails.get(streamId) === tail) this.tails.delete(streamId);
    });
    return run;
  }

  private async executeInTurn<C extends { readonly type: string }, S, E extends DomainEvent>(
    request: StreamCommand<C, S, E>,
    context: CommandContext,
  ): Promise<CommandOutcome> {
    const identity = identityOf(request.naturalKey, context);
    const eventId = (index: number) => (identity === undefined ? newEventId() : deterministicEventId(request.streamId, ...identity.parts, index));
    for (let attempt = 1; ; attempt++) {
      // Opening a stream: the first try takes it as new, unread; every other try reads it.
      const unread = attempt === 1 && request.opensStream === true;
      let stream: StreamInBatch<S> = unread ? { history: [], resumed: null } : await this.load(request);
      if (identity !== undefined) {
        // Its first run may lie under the snapshot: then the stream is read whole, as before snapshots.
        const first = eventId(0);
        if (stream.resumed !== null && !stream.history.some((event) => event.eventId === first) && (await this.underSnapshot(new Map([[request.streamId, stream]]), [{ streamId: request.streamId, eventId: first }])).size > 0) {
          stream = { history: await this.store.readStream(request.streamId), resumed: null };
        }
        const earlier = this.earlierRun(request, stream, identity, eventId);
        if (earlier) return earlier;
      }
      const state = this.stateOf(request, stream);
      let decided: E[];
      try {
        decided = request.decider.decide(request.command, state);
      } catch (error) {
        // Refused on the stream taken as new: the stream may hold this command's earlier run.
        if (unread) continue;
        throw error;
      }
      const last = lastOf(stream);
      if (decided.length === 0) {
        if (unread) continue;
        return { streamId: request.streamId, eventIds: [], revision: last?.revision ?? null, position: last?.position ?? 0, replayed: false, changed: false };
      }
      const timed = request.chronological ? inTimeOrder(request.streamId, latestIn(stream), context) : context;
      const events = decided.map((event, index) => this.envelope(event, timed, eventId(index)));
      const maxEventBytes = this.options.maxEventBytes;
      if (maxEventBytes !== undefined) for (const event of events) assertWithinSize(event, maxEventBytes);
      try {
        const result = await this.store.append(request.streamId, events, { expectedRevision: last ? last.revision : 'no_stream' });
        const snapshot = this.snapshotDue(request, stream);
        if (snapshot) this.writeSnapshot(snapshot);
        // Deduplicated: a concurrent execution of the same command wrote these very events first.
        return { streamId: request.streamId, eventIds: events.map((e) => e.eventId), revision: result.nextExpectedRevision, position: result.position, replayed: result.deduplicated, changed: true };
      } catch (error) {
        // Someone else appended first: decide again on the new state (deciders are pure, so this is safe);
        // if it was this command under the same identity, the next read finds its events.
        const retryable = error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError;
        if (!retryable) throw error;
        if (attempt >= MAX_ATTEMPTS) throw namingTheStream(error, request.streamIdField, identity);
      }
    }
  }

  /**
   * Runs a batch of commands as `execute` runs each, in the order given, with one read of every target
   * stream and one append of everything decided (EventStore.appendMany: one transaction on SQLite).
   * Commands of one stream are decided in order, each on the state its predecessors in the batch left
   * (a refused one leaves it unchanged), exactly as `execute` one after the other would. One settled
   * answer per run: its outcome, or the error `execute` would have thrown. A stream another writer
   * appended to meanwhile (a refused entry) has its commands from there run again through `execute`,
   * which re-reads and retries as for any conflict. A store failure rejects the whole call.
   */
  async executeMany<C extends { readonly type: string }, S, E extends DomainEvent>(
    runs: readonly CommandRun<C, S, E>[],
  ): Promise<PromiseSettledResult<CommandOutcome>[]> {
    const streams = await this.loadMany(runs);
    const entries: StreamAppend[] = [];
    /** Per entry: the run it came from and its events as the batch sees them until written. */
    const appended: { run: number; pending: PendingEvent[] }[] = [];
    /** One run decided on its stream's state so far: its answer, read once the entries are written (positions are known then). */
    const decide = (request: StreamCommand<C, S, E>, context: CommandContext, run: number): (() => PromiseSettledResult<CommandOutcome>) => {
      const stream = streams.get(request.streamId) as StreamInBatch<S>;
      let decided: ReturnType<CommandExecutor['decideInBatch']>;
      try {
        decided = this.decideInBatch(request, context, stream);
      } catch (error) {
        return () => ({ status: 'rejected', reason: error });
      }
      if (decided.kind === 'answered') {
        const answer = decided.answer;
        return () => ({ status: 'fulfilled', value: answer() });
      }
      const last = lastOf(stream);
      entries.push({ streamId: request.streamId, events: decided.events, expectedRevision: last ? last.revision : 'no_stream' });
      const pending = decided.events.map((event, index): PendingEvent => ({
        ...event,
        streamId: request.streamId,
        revision: (last?.revision ?? -1) + 1 + index,
        position: 0,
        recordedAt: context.occurredAt,
      }));
      appended.push({ run, pending });
      stream.history.push(...pending);
      stream.state = pending.reduce((state, event) => request.decider.evolve(state, event as unknown as E), stream.state as S);
      const lastEvent = pending[pending.length - 1];
      return () => ({
        status: 'fulfilled',
        value: { streamId: request.streamId, eventIds: pending.map((e) => e.eventId), revision: lastEvent.revision, position: lastEvent.position, replayed: false, changed: true },
      });
    };
    // Deciding a whole batch is long synchronous work: reads get a turn every TURN_MS of the thread's work.
    const answers: (() => PromiseSettledResult<CommandOutcome>)[] = [];
    for (const [run, { request, context }] of runs.entries()) {
      await shareTurn(this.options.turnMs);
      answers.push(decide(request, context, run));
    }

    const outcomes = entries.length === 0 ? [] : await this.store.appendMany(entries);
    for (const [entry, outcome] of outcomes.entries()) {
      const stream = streams.get(entries[entry].streamId) as StreamInBatch<S>;
      if (!outcome.ok || stream.snapshot === undefined) continue;
      this.writeSnapshot(stream.snapshot);
      stream.snapshot = undefined;
    }
    /** Streams another writer appended to meanwhile: their commands run again from this run on. */
    const rerunFrom = new Map<string, number>();
    const replayed = new Set<number>();
    outcomes.forEach((outcome, entry) => {
      const { run, pending } = appended[entry];
      if (!outcome.ok) {
        const streamId = runs[run].request.streamId;
        if (!rerunFrom.has(streamId)) rerunFrom.set(streamId, run);
        return;
      }
      // Every event of an entry answers the entry's last position: for read-your-writes a bound
      // each of them lies at or before.
      for (const event of pending) event.position = outcome.result.position;
      // Deduplicated: a concurrent execution of the same command wrote these very events first.
      if (outcome.result.deduplicated) replayed.add(run);
    });

    const settled = answers.map((answer, run): PromiseSettledResult<CommandOutcome> | undefined => {
      const from = rerunFrom.get(runs[run].request.streamId);
      if (from !== undefined && run >= from) return undefined;
      const result = answer();
      return result.status === 'fulfilled' && replayed.has(run) ? { status: 'fulfilled', value: { ...result.value, replayed: true } } : result;
    });
    await Promise.all(
      [...rerunFrom].map(async ([streamId, from]) => {
        for (let run = from; run < runs.length; run++) {
          if (runs[run].request.streamId !== streamId) continue;
          settled[run] = await this.execute(runs[run].request, runs[run].context).then(
            (value): PromiseSettledResult<CommandOutcome> => ({ status: 'fulfilled', value }),
            (reason: unknown): PromiseSettledResult<CommandOutcome> => ({ status: 'rejected', reason }),
          );
        }
      }),
    );
    return settled as PromiseSettledResult<CommandOutcome>[];
  }

  /**
   * One command of a batch on its stream as the batch has left it: the events it appends, or its
   * answer without appending (a retry found, nothing to do), read once the batch is written. Throws
   * what `execute` would throw.
   */
  private decideInBatch<C extends { readonly type: string }, S, E extends DomainEvent>(
    request: StreamCommand<C, S, E>,
    context: CommandContext,
    stream: StreamInBatch<S>,
  ): { kind: 'append'; events: NewEvent[] } | { kind: 'answered'; answer: () => CommandOutcome } {
    const { history } = stream;
    const identity = identityOf(request.naturalKey, context);
    const eventId = (index: number) => (identity === undefined ? newEventId() : deterministicEventId(request.streamId, ...identity.parts, index));
    if (identity !== undefined) {
      const earlier = this.earlierRun(request, stream, identity, eventId);
      if (earlier) {
        // It may be the retry of a command earlier in this batch, whose position is known once written.
        const original = history.find((event) => event.eventId === earlier.eventIds[earlier.eventIds.length - 1]) as RecordedEvent;
        return { kind: 'answered', answer: () => ({ ...earlier, position: original.position }) };
      }
    }
    const decided = request.decider.decide(request.command, this.stateOf(request, stream));
    const last = lastOf(stream);
    if (decided.length === 0) {
      return { kind: 'answered', answer: () => ({ streamId: request.streamId, eventIds: [], revision: last?.revision ?? null, position: last?.position ?? 0, replayed: false, changed: false }) };
    }
    const timed = request.chronological ? inTimeOrder(request.streamId, latestIn(stream), context) : context;
    const events = decided.map((event, index) => this.envelope(event, timed, eventId(index)));
    const maxEventBytes = this.options.maxEventBytes;
    if (maxEventBytes !== undefined) for (const event of events) assertWithinSize(event, maxEventBytes);
    return { kind: 'append', events };
  }

  /**
   * The command's events, when its identity's first event id is already in the stream:
   * - under an Idempotency-Key (no natural key) they are this request's own: the HTTP layer binds a
   *   key to one request fingerprint before any command runs, so only the same request gets here;
   * - under a natural key the domain judges: the same events decided again on the state they were
   *   decided on is a retry; otherwise the decider, on the current state, refuses a different command
   *   (a second call with the same callId, a refund id reused for another amount) or finds nothing
   *   left to do (the redemption is already there): that is a retry too, answered with what was recorded.
   */
  private earlierRun<C, S, E extends DomainEvent>(
    request: StreamCommand<C, S, E>,
    stream: StreamInBatch<S>,
    identity: Identity,
    eventId: (index: number) => string,
  ): CommandOutcome | null {
    const { history } = stream;
    const at = history.findIndex((e) => e.eventId === eventId(0));
    if (at < 0) return null;
    let count = 1;
    while (at + count < history.length && history[at + count].eventId === eventId(count)) count += 1;
    const original = history.slice(at, at + count);
    if (identity.natural && !this.decidesAgain(request, this.fold(request, history.slice(0, at), stream.resumed), original)) {
      request.decider.decide(request.command, this.stateOf(request, stream));
    }
    const lastOriginal = original[original.length - 1];
    return { streamId: request.streamId, eventIds: original.map((e) => e.eventId), revision: lastOriginal.revision, position: lastOriginal.position, replayed: true, changed: true };
  }

  private decidesAgain<C, S, E extends DomainEvent>(request: StreamCommand<C, S, E>, before: S, original: readonly RecordedEvent[]): boolean {
    let again: E[];
    try {
      again = request.decider.decide(request.command, before);
    } catch {
      return false;
    }
    return (
      again.length === original.length &&
      again.every((event, index) => event.type === original[index].type && canonicalJson(asStored(event.data)) === canonicalJson(original[index].data))
    );
  }

  /** The state after `events`, folded from the snapshot resumed from, else from the start. */
  private fold<C, S, E extends DomainEvent>(request: StreamCommand<C, S, E>, events: readonly RecordedEvent[], resumed: Resumed<S> | null): S {
    return events.reduce((state, event) => request.decider.evolve(state, event as unknown as E), resumed === null ? request.decider.initialState() : resumed.state);
  }

  private stateOf<C, S, E extends DomainEvent>(request: StreamCommand<C, S, E>, stream: StreamInBatch<S>): S {
    return (stream.state ??= this.fold(request, stream.history, stream.resumed));
  }

  /** The snapshot settings when this decider keeps snapshots and they are on; undefined otherwise. */
  private snapshotsOf(decider: { readonly snapshot?: unknown }): SnapshotSettings | undefined {
    const settings = this.options.snapshots;
    return settings !== undefined && settings.every > 0 && decider.snapshot !== undefined ? settings : undefined;
  }

  /** The streams' snapshots; a store that fails to answer is a cache miss (the streams are read whole). */
  private async readSnapshots(streamIds: readonly string[]): Promise<Map<string, Snapshot>> {
    const settings = this.options.snapshots as SnapshotSettings;
    try {
      return await settings.store.read(streamIds);
    } catch (error) {
      settings.onError?.(error, streamIds[0]);
      return new Map();
    }
  }

  /** A stream as the command reads it: from the events after its snapshot when one fits, else whole. */
  private async load<C, S, E extends DomainEvent>(request: StreamCommand<C, S, E>): Promise<StreamInBatch<S>> {
    const { streamId, decider } = request;
    if (this.snapshotsOf(decider) !== undefined) {
      const snapshot = (await this.readSnapshots([streamId])).get(streamId);
      if (snapshot !== undefined) {
        const read = await this.store.readStream(streamId, { fromRevision: snapshot.revision });
        const resumed = resume(decider, snapshot, read);
        if (resumed !== null) return { history: read.slice(1), resumed };
      }
    }
    return { history: await this.store.readStream(streamId), resumed: null };
  }

  /**
   * Every stream of a batch as `load` reads one: one read of the snapshots, one of the streams (each
   * from its snapshot's revision), one lookup of the first event ids of the commands that carry an
   * identity (a retry whose first run lies under the snapshot), and one more read of the streams
   * that must be read whole after all (a snapshot that does not fit, such a retry).
   */
  private async loadMany<C extends { readonly type: string }, S, E extends DomainEvent>(runs: readonly CommandRun<C, S, E>[]): Promise<Map<string, StreamInBatch<S>>> {
    // One request per stream is enough: every command of a stream has its decider.
    const requests = new Map(runs.map(({ request }) => [request.streamId, request]));
    const snapshotted = [...requests].filter(([, request]) => this.snapshotsOf(request.decider) !== undefined).map(([streamId]) => streamId);
    const snapshots = snapshotted.length === 0 ? new Map<string, Snapshot>() : await this.readSnapshots(snapshotted);
    const fromRevisions = new Map([...snapshots].map(([streamId, snapshot]) => [streamId, snapshot.revision]));
    const read = await this.store.readStreams([...requests.keys()], { fromRevisions });
    const streams = new Map<string, StreamInBatch<S>>();
    const whole = new Set<string>();
    for (const [streamId, events] of read) {
      const snapshot = snapshots.get(streamId);
      const resumed = snapshot === undefined ? null : resume((requests.get(streamId) as StreamCommand<C, S, E>).decider, snapshot, events);
      if (snapshot !== undefined && resumed === null) whole.add(streamId);
      else streams.set(streamId, { history: resumed === null ? events : events.slice(1), resumed });
    }
    const refs: EventRef[] = [];
    for (const { request, context } of runs) {
      const identity = identityOf(request.naturalKey, context);
      if (identity !== undefined && streams.get(request.streamId)?.resumed) refs.push({ streamId: request.streamId, eventId: deterministicEventId(request.streamId, ...identity.parts, 0) });
    }
    for (const streamId of await this.underSnapshot(streams, refs)) whole.add(streamId);
    if (whole.size > 0) for (const [streamId, history] of await this.store.readStreams([...whole])) streams.set(streamId, { history, resumed: null });
    for (const [streamId, stream] of streams) stream.snapshot = this.snapshotDue(requests.get(streamId) as StreamCommand<C, S, E>, stream);
    return streams;
  }

  /**
   * Of the streams resumed from a snapshot, those holding one of `refs` at or before it: a retry whose
   * first run lies under the snapshot (one lookup for all of them).
   */
  private async underSnapshot(streams: ReadonlyMap<string, StreamInBatch<unknown>>, refs: readonly EventRef[]): Promise<Set<string>> {
    const under = new Set<string>();
    if (refs.length === 0) return under;
    for (const found of await this.store.readEventsById(refs)) {
      const resumed = streams.get(found.streamId)?.resumed;
      if (resumed && found.revision <= resumed.event.revision) under.add(found.streamId);
    }
    return under;
  }

  /**
   * A snapshot of the stream as read, when its decider keeps them and at least SNAPSHOT_EVERY events
   * were read after the latest one; taken before the command's own events, which it knows only as decided.
   */
  private snapshotDue<C, S, E extends DomainEvent>(request: StreamCommand<C, S, E>, stream: StreamInBatch<S>): Snapshot | undefined {
    const settings = this.snapshotsOf(request.decider);
    const last = stream.history.at(-1);
    if (settings === undefined || last === undefined || stream.history.length < settings.every) return undefined;
    try {
      return snapshotAt(request.decider as Decider<unknown, S, DomainEvent>, this.stateOf(request, stream), last, latestIn(stream));
    } catch (error) {
      settings.onError?.(error, request.streamId);
      return undefined;
    }
  }

  /** In the background: the command is answered without waiting for it, and a failure only leaves the cache older. */
  private writeSnapshot(snapshot: Snapshot): void {
    const settings = this.options.snapshots as SnapshotSettings;
    const write: Promise<void> = settings.store
      .write(snapshot)
      .catch((error: unknown) => settings.onError?.(error, snapshot.streamId))
      .finally(() => this.snapshotWrites.delete(write));
    this.snapshotWrites.add(write);
  }

  /** Settles once every snapshot write started so far has (for shutdown, tests and benchmarks). */
  async snapshotsWritten(): Promise<void> {
    while (this.snapshotWrites.size > 0) await Promise.all([...this.snapshotWrites]);
  }

  private envelope<E extends DomainEvent>(event: E, context: CommandContext, eventId: string): NewEvent {
    const customerId = (event.data as { customerId?: unknown }).customerId;
    if (typeof customerId !== 'string') throw new Error(`Event ${event.type} carries no customerId`);
    const claimed = context.idempotency;
    return {
      eventId,
      type: event.type,
      data: asStored(event.data),
      metadata: {
        customerId,
        schemaVersion: this.schemas.currentVersion(event.type),
        occurredAt: context.occurredAt,
        actor: context.actor,
        ...(context.onBehalfOf !== undefined ? { onBehalfOf: context.onBehalfOf } : {}),
        source: context.source,
        correlationId: context.correlationId,
        causationId: context.causationId,
        ...(claimed !== undefined ? { idempotencyKey: claimed.item === undefined ? claimed.key : `${claimed.key}#${claimed.item}` } : {}),
      },
    };
  }
}
