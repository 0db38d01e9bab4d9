// The messages between the SQLite event store and its writer thread.
import type { EventLogFileSettings, GroupAttempt, SerializedError, WriteRequest } from './sqlite-event-log-writer';

export type ToWriter =
  | { readonly kind: 'open'; readonly file: number; readonly filename: string; readonly settings: EventLogFileSettings }
  | { readonly kind: 'commit'; readonly file: number; readonly request: number; readonly recordedAt: string; readonly writes: readonly WriteRequest[] }
  | { readonly kind: 'close'; readonly file: number; readonly request: number };

export type FromWriter =
  | { readonly kind: 'committed'; readonly request: number; readonly attempt: GroupAttempt }
  | { readonly kind: 'failed'; readonly request: number; readonly error: SerializedError }
  | { readonly kind: 'closed'; readonly request: number };
