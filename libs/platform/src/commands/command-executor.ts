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
import { DuplicateEventIdError, WrongExpectedRevisionError, type EventStore, type StreamAppend } from '@app/event-store';
import { ProblemException } from '../errors/problem.filter';
import type { CommandContext, CommandOutcome } from './command-context';

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
}

/** One command of a batch and the context it runs in (executeMany). */
export interface CommandRun<C, S, E extends DomainEvent> {
  readonly request: StreamCommand<C, S, E>;
  readonly context: CommandContext;
}

const MAX_ATTEMPTS = 5;

/** An event of this batch not written yet, as later commands of its stream see it; `position` is set once written. */
type PendingEvent = { -readonly [K in keyof RecordedEvent]: RecordedEvent[K] };

/** One stream as a batch goes through it: what was read, then what the batch's commands decided, in order. */
interface StreamInBatch<S> {
  readonly history: RecordedEvent[];
  /** The decider's state after `history`, computed when first needed. */
  state?: S;
}

export interface CommandExecutorOptions {
  /**
   * Largest event, in bytes of its JSON (data and metadata), the store takes (MAX_EVENT_BYTES). Kept
   * under the event topic's max.message.bytes, so every appended event can also be published.
   */
  readonly maxEventBytes?: number;
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

/** Event data as a store gives it back: JSON, so undefined fields are gone. */
function asStored(data: unknown): unknown {
  return data === undefined ? undefined : JSON.parse(JSON.stringify(data));
}

/** Refuses a business time before the latest one already in the stream. */
function assertNotBeforeHistory(streamId: string, history: readonly RecordedEvent[], occurredAt: string): void {
  let latest: RecordedEvent | undefined;
  for (const event of history) if (latest === undefined || Date.parse(event.metadata.occurredAt) > Date.parse(latest.metadata.occurredAt)) latest = event;
  if (latest !== undefined && Date.parse(occurredAt) < Date.parse(latest.metadata.occurredAt)) {
    throw refuse.rule(
      `occurredAt ${occurredAt} is before ${latest.type} at ${latest.metadata.occurredAt}: the events of ${streamId} follow each other in time`,
      'occurredAt',
    );
  }
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
  constructor(
    private readonly store: EventStore,
    /** Where each event type's current schema version comes from (version 1 for undeclared types). */
    private readonly schemas: EventSchemas = EventSchemas.none(),
    private readonly options: CommandExecutorOptions = {},
  ) {}

  async execute<C extends { readonly type: string }, S, E extends DomainEvent>(
    request: StreamCommand<C, S, E>,
    context: CommandContext,
  ): Promise<CommandOutcome> {
    const identity = identityOf(request.naturalKey, context);
    const eventId = (index: number) => (identity === undefined ? newEventId() : deterministicEventId(request.streamId, ...identity.parts, index));
    for (let attempt = 1; ; attempt++) {
      const history = await this.store.readStream(request.streamId);
      if (identity !== undefined) {
        const earlier = this.earlierRun(request, history, identity, eventId);
        if (earlier) return earlier;
      }
      const decided = request.decider.decide(request.command, this.fold(request, history));
      const last = history.at(-1);
      if (decided.length === 0) {
        return { streamId: request.streamId, eventIds: [], revision: last?.revision ?? null, position: last?.position ?? 0, replayed: false, changed: false };
      }
      if (request.chronological) assertNotBeforeHistory(request.streamId, history, context.occurredAt);
      const events = decided.map((event, index) => this.envelope(event, context, eventId(index)));
      const maxEventBytes = this.options.maxEventBytes;
      if (maxEventBytes !== undefined) for (const event of events) assertWithinSize(event, maxEventBytes);
      try {
        const result = await this.store.append(request.streamId, events, { expectedRevision: last ? last.revision : 'no_stream' });
        // Deduplicated: a concurrent execution of the same command wrote these very events first.
        return { streamId: request.streamId, eventIds: events.map((e) => e.eventId), revision: result.nextExpectedRevision, position: result.position, replayed: result.deduplicated, changed: true };
      } catch (error) {
        // Someone else appended first: decide again on the new state (deciders are pure, so this is safe);
        // if it was this command under the same identity, the next read finds its events.
        const retryable = error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError;
        if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
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
    const read = await this.store.readStreams(runs.map((run) => run.request.streamId));
    const streams = new Map<string, StreamInBatch<S>>([...read].map(([streamId, history]) => [streamId, { history }]));
    const entries: StreamAppend[] = [];
    /** Per entry: the run it came from and its events as the batch sees them until written. */
    const appended: { run: number; pending: PendingEvent[] }[] = [];
    /** Per run: its answer, read once the entries are written (positions are known then). */
    const answers = runs.map(({ request, context }, run): (() => PromiseSettledResult<CommandOutcome>) => {
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
      const last = stream.history.at(-1);
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
    });

    const outcomes = entries.length === 0 ? [] : await this.store.appendMany(entries);
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
      const earlier = this.earlierRun(request, history, identity, eventId);
      if (earlier) {
        // It may be the retry of a command earlier in this batch, whose position is known once written.
        const original = history.find((event) => event.eventId === earlier.eventIds[earlier.eventIds.length - 1]) as RecordedEvent;
        return { kind: 'answered', answer: () => ({ ...earlier, position: original.position }) };
      }
    }
    stream.state ??= this.fold(request, history);
    const decided = request.decider.decide(request.command, stream.state);
    const last = history.at(-1);
    if (decided.length === 0) {
      return { kind: 'answered', answer: () => ({ streamId: request.streamId, eventIds: [], revision: last?.revision ?? null, position: last?.position ?? 0, replayed: false, changed: false }) };
    }
    if (request.chronological) assertNotBeforeHistory(request.streamId, history, context.occurredAt);
    const events = decided.map((event, index) => this.envelope(event, context, eventId(index)));
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
    history: readonly RecordedEvent[],
    identity: Identity,
    eventId: (index: number) => string,
  ): CommandOutcome | null {
    const at = history.findIndex((e) => e.eventId === eventId(0));
    if (at < 0) return null;
    let count = 1;
    while (at + count < history.length && history[at + count].eventId === eventId(count)) count += 1;
    const original = history.slice(at, at + count);
    if (identity.natural && !this.decidesAgain(request, history.slice(0, at), original)) {
      request.decider.decide(request.command, this.fold(request, history));
    }
    const lastOriginal = original[original.length - 1];
    return { streamId: request.streamId, eventIds: original.map((e) => e.eventId), revision: lastOriginal.revision, position: lastOriginal.position, replayed: true, changed: true };
  }

  private decidesAgain<C, S, E extends DomainEvent>(request: StreamCommand<C, S, E>, before: readonly RecordedEvent[], original: readonly RecordedEvent[]): boolean {
    let again: E[];
    try {
      again = request.decider.decide(request.command, this.fold(request, before));
    } catch {
      return false;
    }
    return (
      again.length === original.length &&
      again.every((event, index) => event.type === original[index].type && canonicalJson(asStored(event.data)) === canonicalJson(original[index].data))
    );
  }

  private fold<C, S, E extends DomainEvent>(request: StreamCommand<C, S, E>, history: readonly RecordedEvent[]): S {
    return history.reduce((state, event) => request.decider.evolve(state, event as unknown as E), request.decider.initialState());
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
