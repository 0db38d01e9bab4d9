// Runs one command against one stream: load → decide → append with the expected revision, with
// deterministic event ids so that a retried command is recognised and answered with the first result.
import { isDeepStrictEqual } from 'node:util';
import {
  DomainError,
  DomainErrorCode,
  deterministicEventId,
  newEventId,
  type Decider,
  type DomainEvent,
  type NewEvent,
  type RecordedEvent,
} from '@app/event-sourcing';
import { DuplicateEventIdError, WrongExpectedRevisionError, type EventStore } from '@app/event-store';
import type { CommandContext, CommandOutcome } from './command-context';

export interface StreamCommand<C, S, E extends DomainEvent> {
  readonly streamId: string;
  readonly decider: Decider<C, S, E>;
  readonly command: C;
  /**
   * The command's own identity within the stream when the source supplies one (a callId creating a
   * call stream, a refundId): the event ids derive from it, so a retried publish is recognised even
   * without an Idempotency-Key.
   */
  readonly naturalKey?: string;
}

const MAX_ATTEMPTS = 5;

/** Event data as a store gives it back: JSON, so undefined fields are gone. */
function asStored(data: unknown): unknown {
  return data === undefined ? undefined : JSON.parse(JSON.stringify(data));
}

export class CommandExecutor {
  constructor(private readonly store: EventStore) {}

  async execute<C extends { readonly type: string }, S, E extends DomainEvent>(
    request: StreamCommand<C, S, E>,
    context: CommandContext,
  ): Promise<CommandOutcome> {
    const key = context.idempotencyKey !== undefined ? `key:${request.command.type}:${context.idempotencyKey}` : request.naturalKey !== undefined ? `natural:${request.naturalKey}` : undefined;
    for (let attempt = 1; ; attempt++) {
      const history = await this.store.readStream(request.streamId);
      if (key !== undefined) {
        const replay = this.findReplay(request, history, key, context.idempotencyKey !== undefined);
        if (replay) return replay;
      }
      const state = history.reduce((s, e) => request.decider.evolve(s, e as unknown as E), request.decider.initialState());
      const decided = request.decider.decide(request.command, state);
      const last = history.at(-1);
      if (decided.length === 0) {
        return { streamId: request.streamId, eventIds: [], revision: last?.revision ?? null, position: last?.position ?? 0, replayed: false, changed: false };
      }
      const events = decided.map((event, index) => this.envelope(event, context, key === undefined ? newEventId() : deterministicEventId(request.streamId, key, index)));
      try {
        const result = await this.store.append(request.streamId, events, { expectedRevision: last ? last.revision : 'no_stream' });
        return { streamId: request.streamId, eventIds: events.map((e) => e.eventId), revision: result.nextExpectedRevision, position: result.position, replayed: false, changed: true };
      } catch (error) {
        // Someone else appended first: decide again on the new state (deciders are pure, so this is safe).
        const retryable = error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError;
        if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * A retry is recognised by its deterministic first event id. It is a true replay only if deciding
   * the command on the state before the original events gives the same events again; otherwise the
   * key was reused for a different request.
   */
  private findReplay<C, S, E extends DomainEvent>(
    request: StreamCommand<C, S, E>,
    history: readonly RecordedEvent[],
    key: string,
    clientKey: boolean,
  ): CommandOutcome | null {
    const firstId = deterministicEventId(request.streamId, key, 0);
    const at = history.findIndex((e) => e.eventId === firstId);
    if (at < 0) return null;
    const before = history.slice(0, at).reduce((s, e) => request.decider.evolve(s, e as unknown as E), request.decider.initialState());
    let again: E[] = [];
    try {
      again = request.decider.decide(request.command, before);
    } catch {
      again = [];
    }
    const original = history.slice(at, at + again.length);
    const same =
      again.length > 0 &&
      original.length === again.length &&
      original.every((e, i) => e.eventId === deterministicEventId(request.streamId, key, i) && e.type === again[i].type && isDeepStrictEqual(e.data, asStored(again[i].data)));
    if (same) {
      const lastOriginal = original[original.length - 1];
      return { streamId: request.streamId, eventIds: original.map((e) => e.eventId), revision: lastOriginal.revision, position: lastOriginal.position, replayed: true, changed: true };
    }
    if (clientKey) {
      throw new DomainError(DomainErrorCode.Conflict, 'This Idempotency-Key was already used for a different request', 'Idempotency-Key');
    }
    return null;
  }

  private envelope<E extends DomainEvent>(event: E, context: CommandContext, eventId: string): NewEvent {
    const customerId = (event.data as { customerId?: unknown }).customerId;
    if (typeof customerId !== 'string') throw new Error(`Event ${event.type} carries no customerId`);
    return {
      eventId,
      type: event.type,
      data: asStored(event.data),
      metadata: {
        customerId,
        schemaVersion: 1,
        occurredAt: context.occurredAt,
        actor: context.actor,
        source: context.source,
        correlationId: context.correlationId,
        causationId: context.causationId,
        ...(context.idempotencyKey !== undefined ? { idempotencyKey: context.idempotencyKey } : {}),
      },
    };
  }
}
