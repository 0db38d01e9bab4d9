// The KeyStore port: one data key per customer, which encrypts the personal values of that
// customer's events (crypto-shredding: destroying the key is forgetting the customer). Every adapter
// keeps keys wrapped by a master key (MasterKeyRing) and passes ./testing/key-store.contract.ts.
import { requireInstant } from '@app/event-sourcing';

/** A customer's data key: 32 bytes for AES-256-GCM, and the id events name it by (metadata.dataKeyId). */
export interface DataKey {
  readonly customerId: string;
  readonly keyId: string;
  readonly key: Buffer;
}

/** Who asked for an erasure and why: kept with the tombstone so a restart can finish the forget. */
export interface ErasureRequest {
  /** Free text, kept in clear as evidence: it must not name personal data. */
  readonly reason: string;
  /** When it was asked for (ISO-8601). */
  readonly requestedAt: string;
  /** The command context (actor, source, correlation) the erasure's event is recorded with. */
  readonly context: Readonly<Record<string, unknown>>;
}

/** A destroyed key's tombstone: what remains of a forgotten customer in the key store. */
export interface Erasure {
  readonly customerId: string;
  /** The destroyed key's id; null when the customer never had a key. */
  readonly keyId: string | null;
  readonly request: ErasureRequest;
  readonly destroyedAt: string;
  /** When the rest of the forget (the CustomerForgotten event) was confirmed; null while pending. */
  readonly completedAt: string | null;
}

export type DataKeyLookup =
  | { readonly state: 'live'; readonly key: DataKey }
  | { readonly state: 'destroyed'; readonly erasure: Erasure }
  | { readonly state: 'none' };

export interface KeyStore {
  /**
   * The customer's data key, created (durably) on first use; concurrent first uses in any number of
   * processes get the same key. Throws DataKeyDestroyedError once the customer was forgotten.
   */
  getOrCreate(customerId: string): Promise<DataKey>;
  get(customerId: string): Promise<DataKeyLookup>;
  /**
   * Destroys the customer's key for good (no copy of it stays readable in the store) and records the
   * erasure, even when there was no key yet (so none is created later). Idempotent: a second call
   * keeps and returns the first erasure. Rejects with InvalidInstantError (naming `at` or
   * `request.requestedAt`) an instant isInstant does not take, changing nothing.
   */
  destroy(customerId: string, request: ErasureRequest, at: string): Promise<Erasure>;
  /** Erasures not yet confirmed complete, oldest first. */
  pendingErasures(limit?: number): Promise<Erasure[]>;
  /**
   * Confirms an erasure complete (no-op if it already is, or if there is no erasure). Rejects with
   * InvalidInstantError an `at` isInstant does not take, changing nothing.
   */
  completeErasure(customerId: string, at: string): Promise<void>;
  /** Wraps every live key with the ring's current master key (rotation); returns how many it re-wrapped. */
  rewrap(): Promise<number>;
  close(): Promise<void>;
}

export class DataKeyDestroyedError extends Error {
  constructor(readonly customerId: string) {
    super(`Customer ${customerId} was forgotten: their data key is destroyed`);
    this.name = 'DataKeyDestroyedError';
  }
}

/** DI token for the KeyStore port. */
export const KEY_STORE = Symbol('KeyStore');

/** Throws InvalidInstantError naming the first of an erasure's instants (`at`, `request.requestedAt`) that is not one. */
export function checkErasureInstants(request: ErasureRequest, at: string): void {
  requireInstant('at', at);
  requireInstant('request.requestedAt', request.requestedAt);
}
