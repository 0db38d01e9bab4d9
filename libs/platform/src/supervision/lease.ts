// Leases: how a named pipeline runs once across processes. Whoever holds the lease runs it and
// renews it; when the holder stops renewing (crash, network split) it expires and another takes it.

export interface LeaseStore {
  /**
   * Takes the lease `name` for `holder` for `ttlMs` when it is free, expired, or already held by
   * `holder` (then it is renewed). True when `holder` holds it afterwards.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it, so another process need not wait for the expiry. */
  release(name: string, holder: string): Promise<void>;
}

/** DI token for the process's SingleInstance settings (lease store and TTL), where it has one. */
export const SINGLE_INSTANCE = Symbol('SingleInstance');
