// A bounded in-memory cache in front of a KeyStore, so encrypting and decrypting do not read the
// key store per event. Live keys are kept for at most `ttlMs` and the least recently used go first
// beyond `maxEntries`; destroyed keys are remembered for good (they never come back). A destroy
// through this cache, or invalidate() (the decoder calls it when it reads a CustomerForgotten),
// drops the key at once in this process; another process holding the key in its cache forgets it
// at the latest `ttlMs` later, or as soon as its projector reads the CustomerForgotten event.
import type { DataKey, DataKeyLookup, Erasure, ErasureRequest, KeyStore } from './key-store.port';
import { DataKeyDestroyedError } from './key-store.port';

export interface CachedKeyStoreOptions {
  /** Longest a live key is kept without asking the store again, in ms (default 60 s). */
  readonly ttlMs?: number;
  /** Most live keys kept (default 10,000). */
  readonly maxEntries?: number;
  /** Time source for the TTL (tests). */
  readonly now?: () => number;
}

type Entry = { readonly lookup: Extract<DataKeyLookup, { state: 'live' | 'destroyed' }>; readonly expiresAt: number };

export class CachedKeyStore implements KeyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly creating = new Map<string, Promise<DataKey>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    readonly inner: KeyStore,
    options: CachedKeyStoreOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async getOrCreate(customerId: string): Promise<DataKey> {
    const cached = this.cached(customerId);
    if (cached?.state === 'live') return cached.key;
    if (cached?.state === 'destroyed') throw new DataKeyDestroyedError(customerId);
    // One store round trip per customer however many commands of theirs arrive at once.
    let pending = this.creating.get(customerId);
    if (!pending) {
      pending = this.inner.getOrCreate(customerId).then(
        (key) => {
          this.remember(customerId, { state: 'live', key });
          return key;
        },
        (error: unknown) => {
          if (error instanceof DataKeyDestroyedError) this.entries.delete(customerId);
          throw error;
        },
      );
      const settled = () => this.creating.delete(customerId);
      pending.then(settled, settled);
      this.creating.set(customerId, pending);
    }
    return pending;
  }

  async get(customerId: string): Promise<DataKeyLookup> {
    const cached = this.cached(customerId);
    if (cached) return cached;
    const lookup = await this.inner.get(customerId);
    if (lookup.state !== 'none') this.remember(customerId, lookup);
    return lookup;
  }

  async destroy(customerId: string, request: ErasureRequest, at: string): Promise<Erasure> {
    this.entries.delete(customerId);
    const erasure = await this.inner.destroy(customerId, request, at);
    this.remember(customerId, { state: 'destroyed', erasure });
    return erasure;
  }

  /** Drops what this process holds for the customer: the next use asks the store. */
  invalidate(customerId: string): void {
    this.entries.delete(customerId);
  }

  pendingErasures(limit?: number): Promise<Erasure[]> {
    return this.inner.pendingErasures(limit);
  }

  completeErasure(customerId: string, at: string): Promise<void> {
    return this.inner.completeErasure(customerId, at);
  }

  async rewrap(): Promise<number> {
    return this.inner.rewrap();
  }

  close(): Promise<void> {
    this.entries.clear();
    return this.inner.close();
  }

  private cached(customerId: string): Entry['lookup'] | undefined {
    const entry = this.entries.get(customerId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(customerId);
      return undefined;
    }
    // Map order is recency order: a hit moves the entry to the end.
    this.entries.delete(customerId);
    this.entries.set(customerId, entry);
    return entry.lookup;
  }

  private remember(customerId: string, lookup: Entry['lookup']): void {
    this.entries.delete(customerId);
    this.entries.set(customerId, { lookup, expiresAt: lookup.state === 'destroyed' ? Infinity : this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
