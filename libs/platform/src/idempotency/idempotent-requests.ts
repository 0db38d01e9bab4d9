// Runs each request that carries an Idempotency-Key at most once per key, across every process
// sharing the event store: the first claim of (API key, Idempotency-Key) for a request fingerprint
// runs it and records its answer; the same request again gets that answer (`replayed`), waiting
// while it is still running; a different request with the key is refused. Failure policy:
//   - answered 2xx: recorded for good;
//   - refused with a 4xx (validation, unknown customer, a rule, a conflict): nothing was written,
//     so the key is released: a corrected or later retry with the same key runs afresh;
//   - failed otherwise (5xx, crash): what was written is unknown, so the key stays bound to this
//     request and its lease ends (at once, or when a crashed holder's lease lapses): only the same
//     request may run it again, and the deterministic event ids make that run find what was written.
import { performance } from 'node:perf_hooks';
import type { IdempotencyKeyRef, IdempotencyKeys, RecordedAnswer } from '@app/event-store';
import { IDEMPOTENCY_KEY_FIELD, ProblemException, toProblem } from '../errors/problem.filter';

export interface IdempotentRequestsOptions {
  /** How long a claim lasts unless renewed; renewed every third of it while the request runs. */
  readonly leaseMs?: number;
  /** How long the same request waits for a run in progress before it is answered 409. */
  readonly waitMs?: number;
}

export interface IdempotentAnswer {
  readonly answer: RecordedAnswer;
  /** True when this is the recorded answer of an earlier run of the same request. */
  readonly replayed: boolean;
}

const FIRST_POLL_MS = 5;
const LONGEST_POLL_MS = 200;
/** When a client may send a request again whose first run is still going (a 409 IDEMPOTENCY_IN_PROGRESS). */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

/** A 409 naming the Idempotency-Key header, with a code that tells "wait and retry" from "wrong key". */
function refusal(code: 'IDEMPOTENCY_KEY_REUSED' | 'IDEMPOTENCY_IN_PROGRESS', detail: string, retryAfterSeconds?: number): ProblemException {
  return new ProblemException(409, detail, {
    code,
    errors: [{ field: IDEMPOTENCY_KEY_FIELD, message: detail }],
    ...(retryAfterSeconds !== undefined ? { headers: { 'Retry-After': String(retryAfterSeconds) } } : {}),
  });
}

export class IdempotentRequests {
  private readonly leaseMs: number;
  private readonly waitMs: number;
  /** Waiters of this process per key, woken as soon as a run of this process settles. */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly keys: IdempotencyKeys,
    options: IdempotentRequestsOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.waitMs = options.waitMs ?? 15_000;
  }

  async run(ref: IdempotencyKeyRef, fingerprint: string, execute: () => Promise<RecordedAnswer>): Promise<IdempotentAnswer> {
    const deadline = performance.now() + this.waitMs;
    let pause = FIRST_POLL_MS;
    for (;;) {
      const claim = await this.keys.claim(ref, fingerprint, this.leaseMs);
      switch (claim.outcome) {
        case 'acquired':
          return { answer: await this.hold(ref, claim.token, execute), replayed: false };
        case 'answered':
          return { answer: claim.answer, replayed: true };
        case 'mismatch':
          throw refusal('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request');
        case 'in_progress': {
          const left = deadline - performance.now();
          if (left <= 0) {
            // Running here or in another process, or held by a process that stopped (its claim lapses
            // within the lease): the same request may be sent again, so the client is told when.
            throw refusal('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still in progress; retry it with the same key after Retry-After', IN_PROGRESS_RETRY_AFTER_SECONDS);
          }
          // Woken at once by a run of this process; another process's run is seen by polling, backing off.
          await this.settledOrAfter(ref, Math.min(pause, left));
          pause = Math.min(pause * 2, LONGEST_POLL_MS);
          break;
        }
        default: {
          const unhandled: never = claim;
          throw new Error(`Unhandled idempotency claim ${JSON.stringify(unhandled)}`);
        }
      }
    }
  }

  private async hold(ref: IdempotencyKeyRef, token: string, execute: () => Promise<RecordedAnswer>): Promise<RecordedAnswer> {
    const renewal = setInterval(() => void this.keys.renew(ref, token, this.leaseMs).catch(() => undefined), Math.max(1, Math.floor(this.leaseMs / 3)));
    renewal.unref();
    try {
      let answer: RecordedAnswer;
      try {
        answer = await execute();
      } catch (error) {
        const tookNoEffect = toProblem(error).status < 500;
        await (tookNoEffect ? this.keys.release(ref, token) : this.keys.abandon(ref, token)).catch(() => undefined);
        throw error;
      }
      // The command's effect is durable already. Should recording the answer fail, the claim's lease
      // lapses and a retry of the same request runs again, finding the written events by their ids.
      await this.keys.complete(ref, token, answer).catch(() => undefined);
      return answer;
    } finally {
      clearInterval(renewal);
      this.wake(ref);
    }
  }

  private settledOrAfter(ref: IdempotencyKeyRef, ms: number): Promise<void> {
    const id = keyOf(ref);
    return new Promise<void>((resolve) => {
      const waiters = this.waiters.get(id) ?? new Set<() => void>();
      this.waiters.set(id, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(id) === waiters) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  private wake(ref: IdempotencyKeyRef): void {
    for (const waiter of [...(this.waiters.get(keyOf(ref)) ?? [])]) waiter();
  }
}

function keyOf(ref: IdempotencyKeyRef): string {
  return `${ref.scope}\u0000${ref.key}`;
}
