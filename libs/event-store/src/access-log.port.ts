// The AccessLog port: who read whose data, when, through which route. Append-only, kept beside the
// events but apart from them: a file of its own next to the SQLite event store, a `$` stream on
// EventStoreDB. Customer streams, the global log, the relay and the projectors never see it.
// Contract: ./testing/access-log.contract.ts.
import { requireInstant } from '@app/event-sourcing';

export interface AccessActor {
  /** The API key's id. */
  readonly id: string;
  /** The API key's name (label). */
  readonly name?: string;
  /** The key's role(s), comma-separated. */
  readonly role?: string;
}

export interface AccessEntry {
  /** When the read happened (server clock, ISO-8601). */
  readonly at: string;
  /** The API key that read: never what the client claims. */
  readonly actor: AccessActor;
  /** Whom the caller said it read for (X-Actor-Id): recorded, not trusted. */
  readonly onBehalfOf?: { readonly id: string };
  /** What was read: `customer360`, `timeline`, `audit-stream`, `audit-log`, `audit-360-as-of`, ... */
  readonly action: string;
  /** Whose data; null when the read spans every customer (the global log unfiltered, a full export). */
  readonly customerId: string | null;
  /**
   * Method, path and the names of the query parameters, never their values (a search puts emails,
   * phones and names there), e.g. `GET /v1/customers?email=…`. Entries recorded before on EventStoreDB
   * may hold the whole query string (SQLite rewrites them when the file is opened).
   */
  readonly resource: string;
  readonly correlationId: string;
}

export interface RecordedAccess extends AccessEntry {
  /** Unique and increasing in recording order; the paging cursor. */
  readonly id: string;
}

export interface AccessQuery {
  /** Reads of this customer's data, and reads that spanned every customer (customerId null). */
  readonly customerId?: string;
  /** The reader: an API key id or name. */
  readonly actor?: string;
  /** at ≥ from (ISO-8601 with its offset, as isInstant takes it). */
  readonly from?: string;
  /** at < to (ISO-8601 with its offset, as isInstant takes it). */
  readonly to?: string;
  /** The `next` of the previous page. */
  readonly after?: string;
  readonly limit: number;
}

export interface AccessPage {
  readonly entries: readonly RecordedAccess[];
  /** Pass as `after` for the next page; null at the end. */
  readonly next: string | null;
}

export interface AccessLog {
  /**
   * Resolves once the entry is durable; rejects with InvalidInstantError (naming `at`) an entry whose
   * `at` isInstant does not take, alone (the entries recorded with it are written). Entries recorded at the same time share one write (group
   * commit), so a read waits for at most one commit and a crash loses no answered read's entry.
   */
  record(entry: AccessEntry): Promise<void>;
  /** Entries in recording order, filtered, one page at a time. Rejects with InvalidInstantError a `from` or `to` isInstant does not take. */
  query(query: AccessQuery): Promise<AccessPage>;
  close(): Promise<void>;
}

/** The instants an access-log query filters on, checked as every adapter's query does first. */
export function checkAccessQueryInstants(query: AccessQuery): void {
  if (query.from !== undefined) requireInstant('from', query.from);
  if (query.to !== undefined) requireInstant('to', query.to);
}

/** DI token for the AccessLog port. */
export const ACCESS_LOG = Symbol('AccessLog');
