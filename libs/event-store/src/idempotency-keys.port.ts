// The IdempotencyKeys port: which request a client's Idempotency-Key belongs to, and what it was
// answered. It lives in the event store (a table of the SQLite file, `$` streams in EventStoreDB),
// so every process writing to one store shares it, and it is never part of the global log that
// readAll, subscriptions, the relay and the projectors see. Contract: ./testing/idempotency-keys.contract.ts.
import { createHmac, hkdfSync } from 'node:crypto';

/** A key is unique within its scope (Chronicle's scope is the API key that sent it). */
export interface IdempotencyKeyRef {
  readonly scope: string;
  readonly key: string;
}

/** The answer given to the request that holds a key, replayed to its retries. */
export interface RecordedAnswer {
  readonly status: number;
  /** JSON. */
  readonly body: unknown;
}

export type IdempotencyClaim =
  /** The key is this request's now: run it, then complete, release or abandon with the token. */
  | { readonly outcome: 'acquired'; readonly token: string }
  /** The same request holds the key under a live lease: wait for its answer. */
  | { readonly outcome: 'in_progress' }
  /** The same request was answered: this is its answer. */
  | { readonly outcome: 'answered'; readonly answer: RecordedAnswer }
  /** The key belongs to a different request (another fingerprint), running or answered. */
  | { readonly outcome: 'mismatch' };

export interface IdempotencyKeys {
  /**
   * Atomically, across every process on the store: binds a free key to `fingerprint` under a lease of
   * `leaseMs` (acquired); or, for a key bound to the same fingerprint, reports its answer, reports it
   * in progress, or, when its holder's lease has lapsed, hands it over (acquired, with a new token);
   * a key bound to another fingerprint is a mismatch. Of concurrent claims exactly one acquires.
   */
  claim(ref: IdempotencyKeyRef, fingerprint: string, leaseMs: number): Promise<IdempotencyClaim>;
  /** Extends the holder's lease to `leaseMs` from now; false when `token` no longer holds the key. */
  renew(ref: IdempotencyKeyRef, token: string, leaseMs: number): Promise<boolean>;
  /** Records the answer: the key stays bound to its fingerprint for good. False when `token` no longer holds the key. */
  complete(ref: IdempotencyKeyRef, token: string, answer: RecordedAnswer): Promise<boolean>;
  /** The request took no effect: the key is free again, for any request. False when `token` no longer holds the key. */
  release(ref: IdempotencyKeyRef, token: string): Promise<boolean>;
  /**
   * The request's effect is unknown (it failed unexpectedly): the key stays bound to its fingerprint
   * and its lease ends now, so the same request may take over at once. False when `token` no longer holds the key.
   */
  abandon(ref: IdempotencyKeyRef, token: string): Promise<boolean>;
  close(): Promise<void>;
}

/** DI token for the IdempotencyKeys port. */
export const IDEMPOTENCY_KEYS = Symbol('IdempotencyKeys');

/**
 * The key a deployment's request fingerprints are computed with, from a server secret every API
 * process shares (the session secret): HKDF, so the secret itself signs nothing else.
 */
export function fingerprintKey(serverSecret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', serverSecret, Buffer.alloc(0), 'chronicle idempotency fingerprint v1', 32));
}

/**
 * A request's fingerprint as stored: an HMAC of its SHA-256 under the deployment's fingerprint key.
 * A plain hash of a request body is a hash of the personal data in it (a phone number, a name), and
 * could be matched against guesses long after the customer was forgotten; keyed, it tells nothing
 * to whoever lacks the key. Of the plain hash, so that fingerprints stored plain before can be keyed
 * in place (SqliteIdempotencyKeys does on open).
 */
export function keyedFingerprint(key: Buffer, plainSha256Hex: string): string {
  return createHmac('sha256', key).update(plainSha256Hex).digest('hex');
}
