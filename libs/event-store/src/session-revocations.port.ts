// The SessionRevocations port: which console sessions were signed out before they would have
// ended anyway. A session cookie is signed and carries its own idle and absolute expiry, so any
// process with the shared secret can check those alone; a sign-out is the one fact about a session
// that is not in its cookie, so it is recorded here, beside the events (a table of the SQLite
// file, a `$` stream per session on EventStoreDB), where every API process of a deployment reads
// it. Never part of the global log. Contract: ./testing/session-revocations.contract.ts.

export interface SessionRevocations {
  /**
   * Records that session `sid` is over. `until` is when it would have ended anyway (its absolute
   * expiry): the record may be forgotten after that. Revoking twice is harmless. An Invalid Date
   * `until` is refused (InvalidInstantError naming `until`), nothing recorded: a revocation with no
   * end could be pruned at once (the session would stay signed in) or never.
   */
  revoke(sid: string, until: Date): Promise<void>;
  /** Whether `sid` was revoked, by any process on the store (false for a session never revoked). */
  isRevoked(sid: string): Promise<boolean>;
  close(): Promise<void>;
}

/** DI token for the SessionRevocations port. */
export const SESSION_REVOCATIONS = Symbol('SessionRevocations');
