// Idempotency keys on EventStoreDB: one `$idempotency-<hash>` stream per key, whose last event is
// the key's state. Each change is appended with the expected revision of the state it was decided
// on (no_stream for a new key), so of concurrent claims exactly one is written. System streams and
// `$` event types stay out of Chronicle's global log (the adapter's readAll and subscriptions skip
// them), and they need the admin credentials the $all subscription already needs.
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendExpectedRevision,
  type JSONType,
} from '@eventstore/db-client';
import { createHash, randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@app/event-sourcing';
import type { IdempotencyClaim, IdempotencyKeyRef, IdempotencyKeys, RecordedAnswer } from '../idempotency-keys.port';

export interface EventStoreDbIdempotencyKeysOptions {
  /** Source of lease times; every process on the store must share the wall clock. */
  readonly clock?: Clock;
}

const EVENT_TYPE = '$IdempotencyKeyState';
/** Lost races are retried: each lost one means another claimant's change was written. */
const MAX_RACES = 20;

type KeyState =
  | { readonly state: 'pending'; readonly fingerprint: string; readonly token: string; readonly leaseUntil: number }
  | { readonly state: 'answered'; readonly fingerprint: string; readonly answer: RecordedAnswer }
  | { readonly state: 'released' };

interface Current {
  readonly value: KeyState | null;
  readonly expectedRevision: AppendExpectedRevision;
}

export class EventStoreDbIdempotencyKeys implements IdempotencyKeys {
  private readonly client: EventStoreDBClient;
  private readonly clock: Clock;

  /** `connectionString`: the event store's, with admin credentials. */
  constructor(connectionString: string, options: EventStoreDbIdempotencyKeysOptions = {}) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.clock = options.clock ?? systemClock;
  }

  claim(ref: IdempotencyKeyRef, fingerprint: string, leaseMs: number): Promise<IdempotencyClaim> {
    return this.change(ref, (current): { next: KeyState; result: IdempotencyClaim } | { result: IdempotencyClaim } => {
      if (current && current.state !== 'released') {
        if (current.fingerprint !== fingerprint) return { result: { outcome: 'mismatch' } };
        if (current.state === 'answered') return { result: { outcome: 'answered', answer: current.answer } };
        if (current.leaseUntil > this.clock.now().getTime()) return { result: { outcome: 'in_progress' } };
      }
      const token = randomUUID();
      return {
        next: { state: 'pending', fingerprint, token, leaseUntil: this.clock.now().getTime() + leaseMs },
        result: { outcome: 'acquired', token },
      };
    });
  }

  renew(ref: IdempotencyKeyRef, token: string, leaseMs: number): Promise<boolean> {
    return this.whileHeld(ref, token, (held) => ({ ...held, leaseUntil: this.clock.now().getTime() + leaseMs }));
  }

  complete(ref: IdempotencyKeyRef, token: string, answer: RecordedAnswer): Promise<boolean> {
    return this.whileHeld(ref, token, (held) => ({ state: 'answered', fingerprint: held.fingerprint, answer: { status: answer.status, body: answer.body ?? null } }));
  }

  release(ref: IdempotencyKeyRef, token: string): Promise<boolean> {
    return this.whileHeld(ref, token, () => ({ state: 'released' }));
  }

  abandon(ref: IdempotencyKeyRef, token: string): Promise<boolean> {
    return this.whileHeld(ref, token, (held) => ({ ...held, token: randomUUID(), leaseUntil: this.clock.now().getTime() }));
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  private whileHeld(ref: IdempotencyKeyRef, token: string, next: (held: Extract<KeyState, { state: 'pending' }>) => KeyState): Promise<boolean> {
    return this.change(ref, (current) =>
      current?.state === 'pending' && current.token === token ? { next: next(current), result: true } : { result: false },
    );
  }

  /** Reads the key's state, decides, and writes the next state at the revision it was decided on. */
  private async change<R>(ref: IdempotencyKeyRef, decide: (current: KeyState | null) => { next?: KeyState; result: R }): Promise<R> {
    const stream = streamOf(ref);
    for (let race = 1; ; race += 1) {
      const current = await this.read(stream);
      const decision = decide(current.value);
      if (!decision.next) return decision.result;
      try {
        await this.client.appendToStream(stream, jsonEvent({ type: EVENT_TYPE, data: { ...ref, ...decision.next } as unknown as JSONType }), {
          expectedRevision: current.expectedRevision,
        });
        return decision.result;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || race >= MAX_RACES) throw error;
      }
    }
  }

  private async read(stream: string): Promise<Current> {
    try {
      for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1n })) {
        if (resolved.event) return { value: resolved.event.data as unknown as KeyState, expectedRevision: resolved.event.revision };
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return { value: null, expectedRevision: NO_STREAM };
  }
}

/** Keys are free text; the stream name is a hash of scope and key. */
function streamOf(ref: IdempotencyKeyRef): string {
  return `$idempotency-${createHash('sha256').update(ref.scope).update('\u0000').update(ref.key).digest('hex')}`;
}
